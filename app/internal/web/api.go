package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// requireBearer authenticates an API request by its bearer token, an "api"
// session; the request's user is its owner. API routes never look at
// cookies, so they need no CSRF token.
func (s *Server) requireBearer(c *gin.Context) error {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return surat.ErrUnauthorized
	}
	sess, u, err := s.store.SessionUser(c.Request.Context(), auth.TokenHash(token), sessionKindAPI)
	if errors.Is(err, surat.ErrNotFound) {
		return fmt.Errorf("bearer token: %w", surat.ErrUnauthorized)
	}
	if err != nil {
		return err
	}
	c.Set(ctxUser, u)
	c.Set(ctxSession, sess)
	return nil
}

// decodeJSON reads a JSON request body into v. Unknown fields are refused so
// that a misspelt field is an error rather than silently ignored. A value of
// the wrong type is a validation error on that field; a body that is not
// JSON at all is a bad request.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "application/json" && ct != "" {
		return &badRequestError{Msg: "Kirim data sebagai JSON (Content-Type: application/json)."}
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return &badRequestError{Msg: "Isi permintaan berisi lebih dari satu nilai JSON."}
		}
		return nil
	}
	var (
		tooBig  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return tooBig
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return &surat.ValidationError{Fields: map[string]string{typeErr.Field: typeMessage(typeErr.Type)}}
	case errors.Is(err, io.EOF):
		return &badRequestError{Msg: "Isi permintaan kosong; kirim data JSON."}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &badRequestError{Msg: fmt.Sprintf("Kolom %q tidak dikenal.", name)}
	}
	return &badRequestError{Msg: "Isi permintaan bukan JSON yang sah."}
}

// typeMessage says in Indonesian what kind of value a field wants.
func typeMessage(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "Harus berupa angka bulat"
	case reflect.String:
		return "Harus berupa teks"
	case reflect.Bool:
		return "Harus berupa true atau false"
	}
	return "Jenis nilai tidak sesuai"
}
