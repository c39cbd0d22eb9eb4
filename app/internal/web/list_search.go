package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// listSearchForm is the search form of a paged list (residents,
// households) held by pointer P to its struct F. A query with a digit
// never travels in a URL; see searchStashTTL.
type listSearchForm[F any] interface {
	*F
	trim()
	// sensitive reports whether the query holds a digit: a NIK, a No. KK
	// or a part of one.
	sensitive() bool
	// values is the query string of a search that may travel in a URL.
	values() url.Values
}

// listSearch is a list page's search as read by readListSearch.
type listSearch struct {
	path string
	// base is the query string every paging link carries: the search's
	// own values, or the key of its stash.
	base url.Values
	// Expired is set when ?cari= named no stash of the user (unknown,
	// expired or another user's); the search is then empty.
	Expired bool
	// Redirected is set when the browser has been sent on: a digit query
	// typed into the URL was moved into a stash. The handler returns.
	Redirected bool
}

// readListSearch reads the search of the list at path from the query
// string, or from the user's stash for ?cari=<key>.
func readListSearch[F any, P listSearchForm[F]](s *Server, c *gin.Context, path string) (F, *listSearch, error) {
	var f F
	if err := c.ShouldBindQuery(P(&f)); err != nil {
		return f, nil, &badRequestError{Msg: "Alamat pencarian tidak dapat dibaca."}
	}
	P(&f).trim()
	ls := &listSearch{path: path, base: url.Values{}}
	switch key := c.Query("cari"); {
	case key != "":
		st, err := s.store.FormStashFor(c.Request.Context(), auth.TokenHash(key), currentUser(c).ID)
		switch {
		case errors.Is(err, surat.ErrNotFound):
			var empty F
			f, ls.Expired = empty, true
		case err != nil:
			return f, nil, err
		default:
			if err := json.Unmarshal([]byte(st.Data), P(&f)); err != nil {
				return f, nil, fmt.Errorf("search stash: %w", err)
			}
			ls.base.Set("cari", key)
		}
	case P(&f).sensitive():
		ls.Redirected = true
		return f, ls, redirectToListSearch[F, P](s, c, f, path)
	default:
		ls.base = P(&f).values()
	}
	return f, ls, nil
}

// link is the list's URL for the page after (key "setelah") or before
// ("sebelum") the row id; key "" is the first page.
func (ls *listSearch) link(key string, id int64) string {
	v := url.Values{}
	for k, vs := range ls.base {
		v[k] = vs
	}
	if key != "" {
		v.Set(key, strconv.FormatInt(id, 10))
	}
	if len(v) == 0 {
		return ls.path
	}
	return ls.path + "?" + v.Encode()
}

// submitListSearch takes the search form of the list at path and
// redirects to the list (POST-redirect-GET), keeping a NIK or No. KK out
// of the URL.
func submitListSearch[F any, P listSearchForm[F]](s *Server, c *gin.Context, path string) error {
	var f F
	if err := c.ShouldBind(P(&f)); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	P(&f).trim()
	return redirectToListSearch[F, P](s, c, f, path)
}

// redirectToListSearch sends the browser to the list at path for f: in
// the URL for a name search, under a stash key for a search with digits.
func redirectToListSearch[F any, P listSearchForm[F]](s *Server, c *gin.Context, f F, path string) error {
	if !P(&f).sensitive() {
		target := path
		if v := P(&f).values(); len(v) > 0 {
			target += "?" + v.Encode()
		}
		c.Redirect(http.StatusSeeOther, target)
		return nil
	}
	key, err := auth.NewToken(24)
	if err != nil {
		return err
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("search stash: %w", err)
	}
	uid := currentUser(c).ID
	if err := s.store.SaveFormStash(c.Request.Context(), &store.FormStash{KeyHash: auth.TokenHash(key), UserID: &uid,
		Path: path, Data: string(data)}, searchStashTTL); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, path+"?cari="+url.QueryEscape(key))
	return nil
}
