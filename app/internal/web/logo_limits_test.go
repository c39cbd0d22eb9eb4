package web

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"mime/multipart"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
)

// hugePNG writes a w×h RGBA PNG of 16 bits a channel, all zero, row by
// row, so the test never holds its pixels: 5000×5000 is about 200 KB of
// file for 200 MB of decoded image.
func hugePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // 16-bit RGBA
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, 1+w*8)
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// TestLogoDecompressionBomb replays the logo attack of issue 12: six admins
// upload at once a 5000×5000 16-bit PNG of about 200 KB that costs 200 MB
// to decode. Each is refused from its header with the 2000×2000 limit,
// nothing is saved, and the six together allocate far less than one
// decoded image.
func TestLogoDecompressionBomb(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, b)
		br, tok := e.as("admina")
		bomb := hugePNG(t, 5000, 5000)
		if len(bomb) > maxLogoBytes {
			t.Fatalf("bomb is %d bytes, over the upload limit: it would not test decoding", len(bomb))
		}
		type post struct {
			body  *bytes.Buffer
			ctype string
		}
		var posts []post
		for i := 0; i < 6; i++ {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField(csrfField, tok)
			fw, _ := mw.CreateFormFile("logo", "lambang.png")
			fw.Write(bomb)
			mw.Close()
			posts = append(posts, post{&body, mw.FormDataContentType()})
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var wg sync.WaitGroup
		for _, p := range posts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := br.c.Post(br.base+"/pengaturan/logo", p.ctype, p.body)
				if err != nil {
					t.Error(err)
					return
				}
				r := read(t, resp)
				if msg := textByID(t, r.Body, "e-logo"); r.Code != http.StatusUnprocessableEntity || !strings.Contains(msg, "paling besar 2000×2000 piksel") {
					t.Errorf("bomb logo = %d %q", r.Code, msg)
				}
			}()
		}
		wg.Wait()
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 100<<20 {
			t.Errorf("six refused logos allocated %d MB; one decoded image is 200 MB", got>>20)
		}
		if v, err := e.st.VillageByID(t.Context(), e.a.ID); err != nil || v.LogoPath != "" {
			t.Errorf("logo after refusals: %q, %v", v.LogoPath, err)
		}

		// Just over the side limit is refused too, whatever the pixel count.
		r := uploadLogo(t, br, tok, "strip.png", hugePNG(t, 2001, 1))
		if msg := textByID(t, r.Body, "e-logo"); r.Code != http.StatusUnprocessableEntity || !strings.Contains(msg, "2000×2000") {
			t.Errorf("2001×1 logo = %d %q", r.Code, msg)
		}
	})
}
