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

// MaxReportedRows is how many problems of an import are kept and shown; a
// hostile or badly broken file can have millions, and the clerk needs the
// first ones to see what is wrong.
const MaxReportedRows = 1000

// ImportError reports the rows that stopped an import; nothing was written.
// Rows holds the first MaxReportedRows problems in file order, Total how
// many there are in all (0 is read as len(Rows)).
type ImportError struct {
	Rows  []RowError
	Total int
}

// Count is the number of problems in all, including those not in Rows; 0
// for a nil *ImportError.
func (e *ImportError) Count() int {
	if e == nil {
		return 0
	}
	return max(e.Total, len(e.Rows))
}

// Add records a problem, keeping only the first MaxReportedRows.
func (e *ImportError) Add(r RowError) {
	e.Total = e.Count() + 1
	if len(e.Rows) < MaxReportedRows {
		e.Rows = append(e.Rows, r)
	}
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("import rejected: %d bad rows", e.Count())
}
