package letters

import "strconv"

// The keys the catalogue reports problems under are also the names of the
// inputs of a letter's form and of the API's field messages, so a message
// lands beside its input without translation. They are built here and
// nowhere else.

// SubjectKey is the key of a subject role, "subject.<role>"; with an item
// number, of one person of a list role, "subject.<role>.<n>" (n from 1).
func SubjectKey(role string, item ...int) string {
	k := "subject." + role
	for _, n := range item {
		k += "." + strconv.Itoa(n)
	}
	return k
}

// FieldKey is the key of a module field, "field.<name>".
func FieldKey(name string) string { return "field." + name }
