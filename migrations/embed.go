// Package migrations embeds the versioned SQL schema for each dialect. The
// files in sqlite/ and mysql/ carry the same numbers and describe the same
// schema; the binary runs them with goose on start and with `app migrate`.
package migrations

import "embed"

// FS holds sqlite/*.sql and mysql/*.sql.
//
//go:embed sqlite/*.sql mysql/*.sql
var FS embed.FS
