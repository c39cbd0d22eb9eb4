package surat

import "time"

// Role is what a user may do. Every role except RoleAdminKabupaten belongs to
// exactly one village.
type Role string

// The roles of docs/design.md §3.
const (
	RoleAdminKabupaten Role = "admin_kabupaten"
	RoleAdminDesa      Role = "admin_desa"
	RoleOperator       Role = "operator"
	RoleSigner         Role = "penandatangan"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdminKabupaten, RoleAdminDesa, RoleOperator, RoleSigner:
		return true
	}
	return false
}

// Label is the role's Indonesian name.
func (r Role) Label() string {
	switch r {
	case RoleAdminKabupaten:
		return "Admin Kabupaten"
	case RoleAdminDesa:
		return "Admin Desa"
	case RoleOperator:
		return "Operator"
	case RoleSigner:
		return "Penandatangan"
	}
	return string(r)
}

// Village is one tenant: a desa or kelurahan with its own register, officials,
// users and letters.
type Village struct {
	ID         int64
	Code       string // kode desa Kemendagri, ten digits, e.g. 3505122001
	Name       string
	Sebutan    string // Desa, Kelurahan, Nagari, Gampong...
	Kecamatan  string
	Kabupaten  string
	SebutanKab string // Kabupaten or Kota
	Provinsi   string
	Address    string
	PostalCode string
	Phone      string
	Email      string
	Website    string
	LogoPath   string
	// NumberFormat is the letter-number pattern, e.g.
	// "[kode_surat]/[nomor_surat,3]/[kode_desa]/[bulan_romawi]/[tahun]".
	NumberFormat string
	NumberScope  NumberScope
	Paper        Paper
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NumberScope says which letters of a village share a number sequence.
type NumberScope string

// The number scopes.
const (
	// ScopeModule gives each number series its own sequence (see
	// NumberFormat.Series: modules whose numbers look alike share one).
	ScopeModule NumberScope = "module"
	// ScopeVillage gives all of the village's letters one sequence.
	ScopeVillage NumberScope = "village"
)

// Valid reports whether s is a known scope.
func (s NumberScope) Valid() bool { return s == ScopeModule || s == ScopeVillage }

// Paper is the paper size a village prints its letters on.
type Paper string

// The paper sizes: F4 (215 x 330 mm, the usual one) and A4.
const (
	PaperF4 Paper = "F4"
	PaperA4 Paper = "A4"
)

// Valid reports whether p is a known size.
func (p Paper) Valid() bool { return p == PaperF4 || p == PaperA4 }

// DefaultNumberFormat is OpenSID's default letter-number format.
const DefaultNumberFormat = "[kode_surat]/[nomor_surat,3]/[kode_desa]/[bulan_romawi]/[tahun]"

// FormattedCode is the kode desa in the dotted form 35.05.12.2001.
func (v Village) FormattedCode() string {
	c := v.Code
	if len(c) != 10 {
		return c
	}
	return c[0:2] + "." + c[2:4] + "." + c[4:6] + "." + c[6:10]
}

// Validate checks the village profile and returns Indonesian field messages.
func (v *Village) Validate() error {
	p := Problems{}
	if len(v.Code) != 10 || ValidateDigits16(v.Code+"000000", "") != "" {
		p.Add("code", "Kode desa harus 10 digit angka sesuai kode wilayah Kemendagri (mis. 3505122001)")
	}
	req := func(field, val, label string) {
		if val == "" {
			p.Add(field, label+" wajib diisi")
		} else if len(val) > 100 {
			p.Add(field, label+" paling banyak 100 karakter")
		}
	}
	req("name", v.Name, "Nama desa")
	req("sebutan", v.Sebutan, "Sebutan desa")
	req("kecamatan", v.Kecamatan, "Kecamatan")
	req("kabupaten", v.Kabupaten, "Kabupaten/Kota")
	req("sebutan_kab", v.SebutanKab, "Sebutan kabupaten")
	req("provinsi", v.Provinsi, "Provinsi")
	if len([]rune(v.Address)) > 200 {
		p.Add("address", "Alamat paling banyak 200 karakter")
	}
	if !v.NumberScope.Valid() {
		p.Add("number_scope", "Pilih urutan nomor per jenis surat atau satu urutan per desa")
	}
	if !v.Paper.Valid() {
		p.Add("paper", "Ukuran kertas harus F4 atau A4")
	}
	return p.Err()
}

// Official is a perangkat desa who may appear in a letter's signer block.
type Official struct {
	ID        int64
	VillageID int64
	Name      string
	NIP       string `gorm:"column:nip"` // NIP or NIPD, printed under the name
	Jabatan   string // e.g. "Kepala Desa", "Sekretaris Desa", "Kasi Pelayanan"
	// IsHead marks the kepala desa (or lurah), who signs in their own name.
	IsHead bool
	// CanSignAN lets the official sign "a.n. Kepala Desa" (atas nama).
	CanSignAN bool `gorm:"column:can_sign_an"`
	// CanSignUB lets the official sign "u.b." (untuk beliau) under an a.n. official.
	CanSignUB   bool `gorm:"column:can_sign_ub"`
	Active      bool
	ActiveFrom  *time.Time
	ActiveUntil *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// User is a staff account. VillageID is nil only for RoleAdminKabupaten.
type User struct {
	ID           int64
	VillageID    *int64
	Username     string
	FullName     string
	PasswordHash string
	Role         Role
	OfficialID   *int64
	// Email is where the user gets notifications; "" for none.
	Email        string
	Disabled     bool
	FailedLogins int
	LockedUntil  *time.Time
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Household is a Kartu Keluarga: its number, address and members.
type Household struct {
	ID        int64
	VillageID int64
	NoKK      string `gorm:"column:no_kk"`
	Address   string
	RT        string
	RW        string
	Dusun     string
	HeadID    *int64
	// DTKSID is the household's ID in the Data Terpadu Kesejahteraan Sosial
	// (formerly BDT), which SKTM letters print; "" when not recorded.
	DTKSID    string `gorm:"column:dtks_id"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Resident is a person in a village's population register.
type Resident struct {
	ID            int64
	VillageID     int64
	NIK           string
	HouseholdID   *int64
	Relation      int // SHDK, FamilyRelation
	Name          string
	BirthPlace    string
	BirthDate     time.Time
	Sex           int
	Religion      int
	MaritalStatus int
	Education     int
	Occupation    int
	Citizenship   int
	BloodType     int
	LifeStatus    int // status dasar, LifeStatus
	FatherName    string
	MotherName    string
	Phone         string
	// Version increases on every update; an update that names an older
	// version fails with ErrConflict instead of overwriting a colleague's edit.
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time

	// Household is filled by queries that join it; nil otherwise.
	Household *Household `gorm:"-"`
}

// CanBeSubject reports whether the resident may be the subject of a new
// letter: those who died or moved are kept in the register but excluded,
// except by letters about that very event.
func (r *Resident) CanBeSubject() bool { return r.LifeStatus == LifeAlive }

// Validate checks the register rules and returns Indonesian field messages.
// now is the current time (injected, for testable dates).
func (r *Resident) Validate(now time.Time) error {
	p := Problems{}
	if _, err := ParseNIK(r.NIK); err != nil {
		p.Add("nik", err.Error())
	}
	if r.Name == "" {
		p.Add("name", "Nama wajib diisi")
	} else if len([]rune(r.Name)) > 100 {
		p.Add("name", "Nama paling banyak 100 karakter")
	} else if msg := ValidateName(r.Name); msg != "" {
		p.Add("name", msg)
	}
	if r.BirthPlace == "" {
		p.Add("birth_place", "Tempat lahir wajib diisi")
	} else if len([]rune(r.BirthPlace)) > 100 {
		p.Add("birth_place", "Tempat lahir paling banyak 100 karakter")
	}
	if r.BirthDate.IsZero() {
		p.Add("birth_date", "Tanggal lahir wajib diisi")
	} else if r.BirthDate.After(now) {
		p.Add("birth_date", "Tanggal lahir tidak boleh di masa depan")
	} else if r.BirthDate.Year() < 1880 {
		p.Add("birth_date", "Tanggal lahir terlalu lampau")
	}
	enum := func(field string, e Enum, v int, required bool) {
		if v == 0 {
			if required {
				p.Add(field, e.Title+" wajib dipilih")
			}
			return
		}
		if !e.Valid(v) {
			p.Add(field, e.Title+" tidak dikenal")
		}
	}
	enum("sex", Sex, r.Sex, true)
	enum("religion", Religion, r.Religion, true)
	enum("marital_status", MaritalStatus, r.MaritalStatus, true)
	enum("relation", FamilyRelation, r.Relation, true)
	enum("education", Education, r.Education, false)
	enum("occupation", Occupation, r.Occupation, false)
	enum("citizenship", Citizenship, r.Citizenship, true)
	enum("blood_type", BloodType, r.BloodType, false)
	enum("life_status", LifeStatus, r.LifeStatus, true)
	if len(r.Phone) > 20 {
		p.Add("phone", "Nomor telepon paling banyak 20 karakter")
	}
	return p.Err()
}

// Warnings returns the NIK mismatches the clerk should see (see NIKWarnings).
func (r *Resident) Warnings() []string { return NIKWarnings(r.NIK, r.BirthDate, r.Sex) }

// Validate checks a household's KK number and address fields.
func (h *Household) Validate() error {
	p := Problems{}
	if msg := ValidateDigits16(h.NoKK, "Nomor KK"); msg != "" {
		p.Add("no_kk", msg)
	}
	if len([]rune(h.Address)) > 200 {
		p.Add("address", "Alamat paling banyak 200 karakter")
	}
	if len(h.RT) > 10 {
		p.Add("rt", "RT paling banyak 10 karakter")
	}
	if len(h.RW) > 10 {
		p.Add("rw", "RW paling banyak 10 karakter")
	}
	if len([]rune(h.Dusun)) > 50 {
		p.Add("dusun", "Dusun paling banyak 50 karakter")
	}
	if len(h.DTKSID) > 30 {
		p.Add("dtks_id", "ID DTKS paling banyak 30 karakter")
	}
	return p.Err()
}

// AuditEntry is one row of the append-only audit log. Detail never holds NIK,
// KK, birth dates or other personal data: it names the entity by id.
type AuditEntry struct {
	ID         int64
	VillageID  *int64
	ActorID    *int64
	Actor      string
	Action     string // e.g. "resident.create"
	Entity     string // e.g. "resident"
	EntityID   int64
	BeforeHash string // SHA-256 of the entity before the change, "" on create
	AfterHash  string // SHA-256 after the change, "" on delete
	Detail     string
	PrevHash   string // Hash of the previous entry in the same chain
	Hash       string // SHA-256 over this entry's fields and PrevHash
	CreatedAt  time.Time
}

// Actor is the authenticated person doing something, taken from the session
// or bearer token, never from the request body.
type Actor struct {
	UserID    int64
	Username  string
	Role      Role
	VillageID int64 // 0 for admin_kabupaten
}
