// Package importer reads a resident register from a CSV or XLSX file into
// surat.ImportRecord values, reporting every bad row, so that
// store.ImportResidents can apply the file in one transaction. It imports
// only surat and the standard library.
//
// # Columns
//
// A village moving from OpenSID uploads OpenSID's penduduk file as it is:
// its import format, which OpenSID's penduduk export also writes (alamat,
// dusun, rw, rt, nama, no_kk, nik, sex, tempatlahir, tanggallahir, agama_id,
// pendidikan_kk_id, pendidikan_sedang_id, pekerjaan_id, status_kawin,
// kk_level, warganegara_id, nama_ayah, nama_ibu, golongan_darah_id, ...,
// status_dasar). A village keeping its own spreadsheet may use friendly
// headers instead. Headers are compared ignoring case, spaces, punctuation
// and any hint in parentheses, so "No. KK", "no_kk" and "NOMOR KK" match, and
// "Tanggal Lahir (DD-MM-YYYY)" is "tanggallahir". The header row may sit
// below a few title rows. Accepted names, OpenSID's first; * marks the
// columns a file must have:
//
//	NIK *                    nik, NIK, Nomor Induk Kependudukan, No KTP
//	Nama *                   nama, Nama Lengkap, Nama Penduduk
//	No. KK *                 no_kk, No. KK, Nomor KK, KK, Nomor Kartu Keluarga
//	Jenis Kelamin *          sex, Jenis Kelamin, JK, L/P
//	Tempat Lahir *           tempatlahir, Tempat Lahir, Tmp. Lahir
//	Tanggal Lahir *          tanggallahir, Tanggal Lahir, Tgl. Lahir
//	Agama *                  agama_id, Agama
//	Status Perkawinan *      status_kawin, Status Perkawinan, Perkawinan, Status Nikah
//	Hubungan dalam Keluarga* kk_level, SHDK, Hubungan dalam Keluarga, Hubungan
//	Pendidikan               pendidikan_kk_id, Pendidikan, Pendidikan dalam KK, Pendidikan Terakhir
//	Pekerjaan                pekerjaan_id, Pekerjaan
//	Kewarganegaraan          warganegara_id, Kewarganegaraan (empty: WNI)
//	Golongan Darah           golongan_darah_id, Golongan Darah, Gol. Darah
//	Status Dasar             status_dasar, Status Hidup, Status (empty: HIDUP)
//	Nama Ayah, Nama Ibu      nama_ayah, nama_ibu
//	Telepon                  telepon, No. Telepon, Telp, HP, No. HP
//	Alamat, RT, RW, Dusun    alamat, rt, rw, dusun (the household's address)
//
// The register cannot hold a resident without the starred fields, so a file
// lacking one of those columns is refused as a whole instead of with the
// same message on every row. Other columns (pendidikan_sedang_id, ayah_nik,
// akta_lahir, ...) are ignored. "Status" alone counts as status dasar only
// in a file without OpenSID's id columns: in OpenSID it is status penduduk
// (TETAP / TIDAK TETAP). OpenSID's "Kode Data" sheet and its "###" end
// marker in the dusun column are honoured.
//
// # Values
//
// Enumerations take OpenSID's numeric id or the label of
// docs/design.md §10 (surat.Enum.Lookup), plus the abbreviations of
// OpenSID's import and Dukcapil exports (L/P, BK/K/CH/CM, SLTA, S1, ...).
// Dates take Excel date cells and serials, YYYY-MM-DD, DD-MM-YYYY,
// DD/MM/YYYY, DD.MM.YYYY and "17 Agustus 1945"; never month first. NIK and No.
// KK must be 16 digits; a NIK that Excel stored as a number has lost its
// last digit and is refused with a message telling the clerk to format the
// column as text. RT and RW are written with three digits (Excel turns 001
// into 1), a phone number Excel stored as a number gets its leading 0 back,
// and a lone "-" means empty, as in OpenSID.
package importer
