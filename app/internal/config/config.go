// Package config reads suratdesa's typed configuration from APP_* environment
// variables, overridden by command-line flags of the same names.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole run-time configuration. It is built once by Load and
// passed down; nothing reads the environment after that.
type Config struct {
	Addr    string // APP_ADDR, listen address
	DB      string // APP_DB, "sqlite" or "mysql"
	DSN     string // APP_DSN, SQLite file path or MySQL DSN
	Storage string // APP_STORAGE, directory for run-time data
	BaseURL string // APP_BASE_URL, printed in QR codes
	Secret  string // APP_SECRET, session key; generated into storage when empty
	// TrustedProxies lists proxy addresses whose X-Forwarded-* headers are
	// believed (APP_TRUSTED_PROXIES, comma-separated). Empty trusts none.
	TrustedProxies []string
	LogLevel       string // APP_LOG_LEVEL: debug, info, warn, error
	// SMTPURL is the mail server notifications go out through
	// (APP_SMTP_URL, smtp://user:pass@host:587 with STARTTLS when offered,
	// smtps://... for TLS from the start); "" sends no e-mail.
	SMTPURL string
	// MailFrom is the sender address of notification e-mails
	// (APP_MAIL_FROM).
	MailFrom string
	// WebhookAllowPrivate lets village webhooks reach private, loopback
	// and link-local addresses (APP_WEBHOOK_ALLOW_PRIVATE=true), for a
	// WhatsApp gateway on the village's own network; off by default.
	WebhookAllowPrivate bool
	// VillageUploadQuota is how many bytes of residents' attachments one
	// village may keep (APP_VILLAGE_UPLOAD_QUOTA: bytes, or a number with
	// KiB, MiB or GiB; default 2GiB).
	VillageUploadQuota int64
	// BlobURL is the store of every file (APP_BLOB_URL): file:///path or
	// s3://bucket?endpoint=http(s)://host:port&region=...; the folder
	// APP_STORAGE when empty.
	BlobURL string
	// BlobAccessKey and BlobSecretKey are the S3 credentials
	// (APP_BLOB_ACCESS_KEY, APP_BLOB_SECRET_KEY, or the files named by
	// APP_BLOB_ACCESS_KEY_FILE and APP_BLOB_SECRET_KEY_FILE).
	BlobAccessKey, BlobSecretKey string
	// BlobSweepAge is how old an uncommitted file must be before the sweep
	// deletes it (APP_BLOB_SWEEP_AGE, a Go duration; 1h).
	BlobSweepAge time.Duration
	// DBCreate lets a start in MySQL mode create the database APP_DSN
	// names when the server has none of that name (APP_DB_CREATE=true).
	DBCreate bool
	// DBMaxOpen and DBMaxIdle size the MySQL connection pool of this
	// process (APP_DB_MAX_OPEN, APP_DB_MAX_IDLE); replicas × DBMaxOpen must
	// stay below the server's max_connections.
	DBMaxOpen, DBMaxIdle int
	// LogFormat is "text" or "json" (APP_LOG_FORMAT), the latter for log
	// collectors.
	LogFormat string
	// MetricsToken lets /metrics be read from other hosts with
	// "Authorization: Bearer <token>" (APP_METRICS_TOKEN); without it
	// /metrics answers only requests from the loopback address.
	MetricsToken string
}

// Var describes one setting for the README table and the flag set.
type Var struct {
	Env, Flag, Default, Help string
	Secret                   bool
}

// Vars lists every setting in the order the README documents them.
var Vars = []Var{
	{"APP_ADDR", "addr", ":8080", "alamat dan port HTTP yang didengarkan", false},
	{"APP_DB", "db", "sqlite", "jenis basis data: sqlite atau mysql", false},
	{"APP_DSN", "dsn", "", "berkas SQLite (bawaan <storage>/suratdesa.db) atau DSN MySQL", true},
	{"APP_STORAGE", "storage", "storage", "folder data: basis data SQLite, PDF, kunci", false},
	{"APP_BASE_URL", "base-url", "http://localhost:8080", "URL publik, dicetak di kode QR", false},
	{"APP_SECRET", "secret", "", "kunci sesi (min. 32 karakter); wajib di mode mysql, di mode sqlite dibuat otomatis di storage bila kosong", true},
	{"APP_TRUSTED_PROXIES", "trusted-proxies", "", "alamat proxy tepercaya, dipisah koma", false},
	{"APP_LOG_LEVEL", "log-level", "info", "debug, info, warn atau error", false},
	{"APP_SMTP_URL", "smtp-url", "", "server surat untuk pemberitahuan e-mail, mis. smtp://user:pass@host:587", true},
	{"APP_MAIL_FROM", "mail-from", "", "alamat pengirim e-mail pemberitahuan", false},
	{"APP_WEBHOOK_ALLOW_PRIVATE", "webhook-allow-private", "false", "izinkan webhook ke alamat jaringan lokal (true/false)", false},
	{"APP_VILLAGE_UPLOAD_QUOTA", "village-upload-quota", "2GiB", "batas ukuran seluruh lampiran permohonan satu desa (mis. 500MiB, 2GiB)", false},
	{"APP_BLOB_URL", "blob-url", "", "penyimpanan berkas: file:///folder (bawaan APP_STORAGE) atau s3://bucket?endpoint=...&region=...", false},
	{"APP_BLOB_ACCESS_KEY", "blob-access-key", "", "access key S3 (atau APP_BLOB_ACCESS_KEY_FILE)", true},
	{"APP_BLOB_SECRET_KEY", "blob-secret-key", "", "secret key S3 (atau APP_BLOB_SECRET_KEY_FILE)", true},
	{"APP_BLOB_SWEEP_AGE", "blob-sweep-age", "1h", "umur berkas tanpa baris basis data sebelum dihapus", false},
	{"APP_DB_CREATE", "db-create", "false", "mode mysql: buat basis data bila belum ada (true/false)", false},
	{"APP_DB_MAX_OPEN", "db-max-open", "25", "mode mysql: koneksi terbuka paling banyak per proses", false},
	{"APP_DB_MAX_IDLE", "db-max-idle", "25", "mode mysql: koneksi menganggur paling banyak per proses", false},
	{"APP_LOG_FORMAT", "log-format", "text", "format log: text atau json", false},
	{"APP_METRICS_TOKEN", "metrics-token", "", "token Bearer untuk /metrics dari luar loopback; kosong = hanya 127.0.0.1", true},
}

// FileSuffix turns a variable into its file variant: APP_SECRET_FILE names
// a file whose content (trimmed) is APP_SECRET, for Docker and Kubernetes
// secrets. Every setting has one; the variable itself wins when both are
// set.
const FileSuffix = "_FILE"

// Register adds a flag for every setting to fs. The returned function builds
// the Config after fs.Parse, taking each flag if set, else the environment
// variable, else the default.
func Register(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	vals := make(map[string]*string, len(Vars))
	for _, v := range Vars {
		vals[v.Env] = fs.String(v.Flag, "", v.Help+" ("+v.Env+")")
	}
	return func() (Config, error) {
		var fileErrs []error
		get := func(env string) string {
			if s := *vals[env]; s != "" {
				return s
			}
			if s := getenv(env); s != "" {
				return s
			}
			if path := getenv(env + FileSuffix); path != "" {
				b, err := os.ReadFile(path)
				if err != nil {
					fileErrs = append(fileErrs, fmt.Errorf("%s%s: %w", env, FileSuffix, err))
					return ""
				}
				if s := strings.TrimSpace(string(b)); s != "" {
					return s
				}
				fileErrs = append(fileErrs, fmt.Errorf("%s%s: file %s is empty", env, FileSuffix, path))
				return ""
			}
			for _, v := range Vars {
				if v.Env == env {
					return v.Default
				}
			}
			return ""
		}
		c := Config{
			Addr:     get("APP_ADDR"),
			DB:       strings.ToLower(get("APP_DB")),
			DSN:      get("APP_DSN"),
			Storage:  get("APP_STORAGE"),
			BaseURL:  strings.TrimRight(get("APP_BASE_URL"), "/"),
			Secret:   get("APP_SECRET"),
			LogLevel: strings.ToLower(get("APP_LOG_LEVEL")),
			SMTPURL:  strings.TrimSpace(get("APP_SMTP_URL")),
			MailFrom: strings.TrimSpace(get("APP_MAIL_FROM")),
		}
		var bads []error
		boolean := func(env string) bool {
			switch v := strings.ToLower(get(env)); v {
			case "true", "1", "yes", "ya":
				return true
			case "false", "0", "no", "tidak", "":
				return false
			default:
				bads = append(bads, fmt.Errorf("%s %q must be true or false", env, v))
				return false
			}
		}
		count := func(env string) int {
			n, err := strconv.Atoi(get(env))
			if err != nil || n < 1 || n > 10000 {
				bads = append(bads, fmt.Errorf("%s %q must be a whole number from 1 to 10000", env, get(env)))
			}
			return n
		}
		c.WebhookAllowPrivate = boolean("APP_WEBHOOK_ALLOW_PRIVATE")
		c.DBCreate = boolean("APP_DB_CREATE")
		c.DBMaxOpen, c.DBMaxIdle = count("APP_DB_MAX_OPEN"), count("APP_DB_MAX_IDLE")
		c.LogFormat = strings.ToLower(get("APP_LOG_FORMAT"))
		c.MetricsToken = get("APP_METRICS_TOKEN")
		c.BlobURL = get("APP_BLOB_URL")
		if c.BlobURL == "" {
			c.BlobURL = fileURL(c.Storage)
		}
		c.BlobAccessKey, c.BlobSecretKey = get("APP_BLOB_ACCESS_KEY"), get("APP_BLOB_SECRET_KEY")
		if d, err := time.ParseDuration(get("APP_BLOB_SWEEP_AGE")); err != nil || d < 0 {
			bads = append(bads, fmt.Errorf("APP_BLOB_SWEEP_AGE %q must be a duration such as 1h", get("APP_BLOB_SWEEP_AGE")))
		} else {
			c.BlobSweepAge = d
		}
		if q, err := parseBytes(get("APP_VILLAGE_UPLOAD_QUOTA")); err != nil {
			bads = append(bads, fmt.Errorf("APP_VILLAGE_UPLOAD_QUOTA: %w", err))
		} else {
			c.VillageUploadQuota = q
		}
		for _, p := range strings.Split(get("APP_TRUSTED_PROXIES"), ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
		if c.DB == "sqlite" && c.DSN == "" {
			c.DSN = filepath.Join(c.Storage, "suratdesa.db")
		}
		return c, errors.Join(errors.Join(fileErrs...), errors.Join(bads...), c.Validate())
	}
}

// Validate reports every problem at once, with the variable to fix.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("APP_ADDR %q is not host:port (e.g. :8080)", c.Addr))
	}
	switch c.DB {
	case "sqlite":
	case "mysql":
		if c.DSN == "" {
			errs = append(errs, errors.New("APP_DSN is required when APP_DB=mysql (e.g. user:pass@tcp(db:3306)/suratdesa)"))
		}
		// Replicas share sessions and match keys only with one secret; one
		// generated per machine would log users out on every other request.
		if c.Secret == "" {
			errs = append(errs, errors.New("APP_SECRET (or APP_SECRET_FILE) is required when APP_DB=mysql: every replica "+
				"must use the same key (generate one with: openssl rand -hex 32)"))
		}
	default:
		errs = append(errs, fmt.Errorf("APP_DB %q must be sqlite or mysql", c.DB))
	}
	if c.Storage == "" {
		errs = append(errs, errors.New("APP_STORAGE must name a directory"))
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("APP_BASE_URL %q must be an absolute http(s) URL", c.BaseURL))
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		errs = append(errs, errors.New("APP_SECRET must be at least 32 characters (or leave it empty to generate one)"))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("APP_LOG_FORMAT %q must be text or json", c.LogFormat))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, errors.New("APP_METRICS_TOKEN must be at least 16 characters"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("APP_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			errs = append(errs, errors.New("APP_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465"))
		} else if u.Port() != "" {
			if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
				errs = append(errs, errors.New("APP_SMTP_URL has a port that is not a number from 1 to 65535"))
			}
		}
		if c.MailFrom == "" {
			errs = append(errs, errors.New("APP_MAIL_FROM is required when APP_SMTP_URL is set (e.g. suratdesa@desa.example)"))
		}
	}
	if c.MailFrom != "" {
		if a, err := mail.ParseAddress(c.MailFrom); err != nil || a.Address == "" {
			errs = append(errs, fmt.Errorf("APP_MAIL_FROM %q is not an e-mail address", c.MailFrom))
		}
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("APP_TRUSTED_PROXIES entry %q is not an IP or CIDR", p))
			}
		}
	}
	return errors.Join(errs...)
}

// fileURL is the file:// URL of folder dir.
func fileURL(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// Secure reports whether the public URL is HTTPS, so cookies get Secure.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// LogValue lists the settings for a start-up log line with secrets masked,
// including a password inside a MySQL DSN.
func (c Config) LogValue() []any {
	return []any{
		"addr", c.Addr, "db", c.DB, "dsn", MaskDSN(c.DSN), "storage", c.Storage,
		"base_url", c.BaseURL, "secret", mask(c.Secret), "trusted_proxies", c.TrustedProxies,
		"log_level", c.LogLevel, "smtp_url", MaskURL(c.SMTPURL), "mail_from", c.MailFrom,
		"webhook_allow_private", c.WebhookAllowPrivate, "blob_url", c.BlobURL,
		"blob_access_key", mask(c.BlobAccessKey), "blob_secret_key", mask(c.BlobSecretKey),
		"db_create", c.DBCreate, "db_max_open", c.DBMaxOpen,
		"db_max_idle", c.DBMaxIdle, "log_format", c.LogFormat, "metrics_token", mask(c.MetricsToken),
	}
}

// LocalBaseURL reports whether APP_BASE_URL points at this machine
// (localhost, a loopback or unspecified address): QR codes printed with it
// cannot be checked by anyone else.
func (c Config) LocalBaseURL() bool {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "********"
}

// MaskURL hides the password of a scheme://user:password@host URL.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "********")
	}
	return strings.Replace(u.String(), "%2A%2A%2A%2A%2A%2A%2A%2A", "********", 1)
}

// MaskDSN hides the password of a user:password@... DSN.
func MaskDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	cred := dsn[:at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return cred[:i] + ":********" + dsn[at:]
	}
	return dsn
}

// parseBytes reads a size: a whole number of bytes, or one followed by
// KiB, MiB or GiB (KB, MB, GB are read as the same binary units).
func parseBytes(v string) (int64, error) {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"gib", 1 << 30}, {"gb", 1 << 30}, {"g", 1 << 30}, {"mib", 1 << 20}, {"mb", 1 << 20}, {"m", 1 << 20},
		{"kib", 1 << 10}, {"kb", 1 << 10}, {"k", 1 << 10}}
	mult := int64(1)
	lower := strings.ToLower(v)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			lower, mult = strings.TrimSpace(strings.TrimSuffix(lower, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(lower, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size such as 2GiB or 500MiB", v)
	}
	return n * mult, nil
}
