// Package letters embeds the letter module definitions, one file per module.
package letters

import "embed"

// FS holds the module files.
//
//go:embed *.yaml
var FS embed.FS
