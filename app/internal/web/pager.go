package web

import (
	"net/url"
	"strconv"
)

// pager is the "previous / page n of m / next" line of a paged list; the
// page number travels as ?halaman=.
type pager struct {
	Page, Pages      int
	PrevURL, NextURL string
}

// newPager is the pager of page (from 1) of a list of total items, perPage
// a page, at path with the query q (empty values are left out).
func newPager(path string, q url.Values, page, perPage int, total int64) pager {
	p := pager{Page: page, Pages: max(1, int((total+int64(perPage)-1)/int64(perPage)))}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			for _, s := range vs {
				if s != "" {
					v.Add(k, s)
				}
			}
		}
		if n > 1 {
			v.Set("halaman", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}
