package web

import (
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// pathID parses the path parameter name (":id", ":aid") as a record id.
// Anything but a positive number names no record and is surat.ErrNotFound,
// exactly like the id of a record of another village, so a probe learns
// nothing from the difference.
func pathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s %q: %w", name, c.Param(name), surat.ErrNotFound)
	}
	return id, nil
}
