package surat

import "fmt"

// ImportRecord is one validated row of a resident import: the person and the
// household (No. KK and address) they belong to. Row is the file's row
// number, used in error messages.
type ImportRecord struct {
	Row       int
	Resident  Resident
	Household Household
}

// ImportResult counts what an import changed.
type ImportResult struct {
	Created           int
	Updated           int
	HouseholdsCreated int
	HouseholdsUpdated int
}

// RowError is a problem with one row of an import, with an Indonesian reason.
type RowError struct {
	Row    int
	Column string
	Reason string
}

// ImportError reports every row that stopped an import; nothing was written.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	return fmt.Sprintf("import rejected: %d bad rows", len(e.Rows))
}
