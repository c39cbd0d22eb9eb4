package issuance_test

// Benchmarks (figures in the report):
//
//	go test -run '^$' -bench . -benchmem ./app/internal/issuance/
//
// BenchmarkRender vs BenchmarkRenderAndSign gives the signing overhead
// over rendering (aim: under 2 ms). BenchmarkIssueAndSign is the whole
// write path on SQLite, draft to signed PDF on disk, one letter per
// iteration, with the test KDF: in production each Sign call also pays one
// Argon2id derivation (auth.DefaultParams) to open the key, SignBatch one
// per batch.

import (
	"crypto/x509"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/sign"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// sealedDoc is a final sk_domisili document with number and seal, as Sign
// renders it.
func sealedDoc(b *testing.B, e *env) *surat.Document {
	b.Helper()
	doc, err := e.svc.Validate(e.ctx, e.village.ID, domisili(e.residents(b, 1)[0]))
	if err != nil {
		b.Fatal(err)
	}
	doc.Draft, doc.Number = false, "470/001/3505122001/XI/2026"
	doc.Seal = &surat.Seal{VerifyURL: baseURL + "/v/QK3M7ZJ2XW5TNB4RCY6HD8PAFE",
		Footer: "Dokumen ini ditandatangani secara elektronik oleh Kepala Desa Sumberejo menggunakan sertifikat " +
			"elektronik yang diterbitkan oleh " + demo.RootName + "; tanda tangan elektronik tidak tersertifikasi."}
	return doc
}

func BenchmarkRender(b *testing.B) {
	e := newEnv(b, storetest.SQLite)
	doc := sealedDoc(b, e)
	_, r := shared()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(doc, pdf.Options{Created: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderAndSign(b *testing.B) {
	e := newEnv(b, storetest.SQLite)
	doc := sealedDoc(b, e)
	_, r := shared()
	cert, err := pki.ParseCertificatePEM([]byte(e.cert.CertPEM))
	if err != nil {
		b.Fatal(err)
	}
	root, _ := e.st.ActiveRoot(e.ctx)
	rootCert, err := pki.ParseCertificatePEM([]byte(root.CertPEM))
	if err != nil {
		b.Fatal(err)
	}
	key, err := pki.DecryptKey([]byte(e.cert.SealedKey), demo.SigningPassphrase, cert, e.village.ID)
	if err != nil {
		b.Fatal(err)
	}
	defer key.Wipe()
	roots, err := e.svc.RootPool(e.ctx)
	if err != nil {
		b.Fatal(err)
	}
	signer := &sign.LocalSigner{Cert: cert, Chain: []*x509.Certificate{rootCert}, Key: key}
	meta := sign.Meta{Name: "H. Suparman, S.Sos.", Reason: "Surat Keterangan Domisili", Location: "Desa Sumberejo"}
	// The overhead alone, on an already rendered PDF: less noisy than the
	// difference of two render benchmarks on a busy machine.
	rendered, err := r.Render(doc, pdf.Options{Created: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("overhead/sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := signer.Sign(e.ctx, rendered, meta); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("overhead/sign+verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := sign.SignAndVerify(e.ctx, signer, rendered, meta, roots, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sign", func(b *testing.B) {
		b.ReportAllocs()
		size := 0
		for b.Loop() {
			p, err := r.Render(doc, pdf.Options{Created: time.Now()})
			if err != nil {
				b.Fatal(err)
			}
			signed, err := signer.Sign(e.ctx, p, meta)
			if err != nil {
				b.Fatal(err)
			}
			size = len(signed)
		}
		// The stored size of a signed one-page letter (issue 15: at most
		// 20 KB).
		b.ReportMetric(float64(size), "signed-bytes")
	})
	b.Run("sign+verify", func(b *testing.B) { // what Sign does
		b.ReportAllocs()
		for b.Loop() {
			p, err := r.Render(doc, pdf.Options{Created: time.Now()})
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := sign.SignAndVerify(e.ctx, signer, p, meta, roots, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkIssueAndSign(b *testing.B) {
	issue := func(b *testing.B, e *env, rs []surat.Resident, i int) {
		l, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, domisili(rs[i%len(rs)]))
		if err != nil {
			b.Fatal(err)
		}
		if l, err = e.svc.Submit(e.ctx, e.operator, e.village.ID, l.ID); err != nil {
			b.Fatal(err)
		}
		if l, err = e.svc.Approve(e.ctx, e.kades, e.village.ID, l.ID, l.Version); err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("sequential", func(b *testing.B) {
		e := newEnv(b, storetest.SQLite)
		rs := e.residents(b, 20)
		i := 0
		for b.Loop() {
			issue(b, e, rs, i)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		e := newEnv(b, storetest.SQLite)
		rs := e.residents(b, 20)
		var n atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				issue(b, e, rs, int(n.Add(1)))
			}
		})
	})
}

// BenchmarkSignBatch500 is the batch path end to end on SQLite: 500 drafts
// created and submitted by the clerk, then approved and signed by the
// kepala desa, every PDF stored and every change audited. It reports
// letters/s for the whole path and for the signing call alone, and the
// process's peak resident set.
//
// "approve-and-sign" is the path of the batch page ("Setujui dan
// tandatangani"): the kepala desa approves and signs the diajukan letters
// with one ApproveAndSignBatch call, each approval audited in its signing
// transaction. "approve-then-sign" approves each letter on its own first
// and then signs the approved letters with one SignBatch call.
func BenchmarkSignBatch500(b *testing.B) {
	const n = 500
	run := func(b *testing.B, approveFirst bool) {
		e := newEnv(b, storetest.SQLite)
		rs := e.residents(b, 50)
		var prepare, signing, prepareCPU, signingCPU time.Duration
		for b.Loop() {
			start, cpu0 := time.Now(), processCPU()
			items := make([]issuance.SignItem, n)
			ids := make([]int64, n)
			for i := range n {
				var l *surat.Letter
				if approveFirst {
					l = e.approved(b, domisili(rs[i%len(rs)]))
				} else {
					l = e.submitted(b, domisili(rs[i%len(rs)]))
				}
				items[i], ids[i] = issuance.SignItem{LetterID: l.ID, Version: l.Version}, l.ID
			}
			mid, cpu1 := time.Now(), processCPU()
			var results []issuance.BatchResult
			var err error
			if approveFirst {
				results, err = e.svc.SignBatch(e.ctx, e.kades, e.village.ID, ids, demo.SigningPassphrase)
			} else {
				results, err = e.svc.ApproveAndSignBatch(e.ctx, e.kades, e.village.ID, items, demo.SigningPassphrase)
			}
			if err != nil {
				b.Fatal(err)
			}
			signing += time.Since(mid)
			prepare += mid.Sub(start)
			signingCPU += processCPU() - cpu1
			prepareCPU += cpu1 - cpu0
			for _, r := range results {
				if r.Err != nil {
					b.Fatalf("letter %d: %v", r.LetterID, r.Err)
				}
			}
		}
		letters := float64(n * b.N)
		if prepareCPU > 0 {
			// CPU per letter, to tell a busy machine from idle cores.
			b.ReportMetric(float64(prepareCPU.Microseconds())/1000/letters, "prepare-cpu-ms/letter")
			b.ReportMetric(float64(signingCPU.Microseconds())/1000/letters, "sign-cpu-ms/letter")
		}
		b.ReportMetric(letters/(prepare+signing).Seconds(), "letters/s")
		b.ReportMetric(letters/signing.Seconds(), "signed/s")
		if kb := peakRSS(); kb > 0 {
			b.ReportMetric(float64(kb)/1024, "peak-rss-MB")
		}
	}
	b.Run("approve-and-sign", func(b *testing.B) { run(b, false) })
	b.Run("approve-then-sign", func(b *testing.B) { run(b, true) })
}

// peakRSS is the process's peak resident set (VmHWM) in kB, 0 where
// /proc does not tell. Run the batch benchmark alone for it to mean the
// batch's peak.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// BenchmarkValidate is the draft path without the store write, as the
// letter form and its preview run it: the village's catalogue (layered
// resolution: one read of the layers' revisions, then cached modules), the
// register reads and the build. "builtin" uses the built-in sk_domisili,
// "village-template" a village's own version of it, and
// "kabupaten+village" adds a kabupaten template below it.
func BenchmarkValidate(b *testing.B) {
	e := newEnv(b, storetest.SQLite)
	req := domisili(e.residents(b, 1)[0])
	run := func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			if _, err := e.svc.Validate(e.ctx, e.village.ID, req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
	b.Run("builtin", run)
	src := e.svc.Builtin().Module("sk_domisili").Source()
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, e.village.ID, "sk_domisili", src, "", 0); err != nil {
		b.Fatal(err)
	}
	b.Run("village-template", run)
	if _, err := e.svc.SaveTemplate(e.ctx, e.admin, 0, "sk_usaha", e.svc.Builtin().Module("sk_usaha").Source(), "", 0); err != nil {
		b.Fatal(err)
	}
	b.Run("kabupaten+village", run)
}

// BenchmarkModulesFor is the catalogue lookup alone: a village without
// templates, and one with a village and a kabupaten template (after the
// first lookup both are one revision read and a cache hit).
func BenchmarkModulesFor(b *testing.B) {
	e := newEnv(b, storetest.SQLite)
	run := func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			if _, err := e.svc.ModulesFor(e.ctx, e.village.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
	b.Run("builtin", run)
	for layer, code := range map[int64]string{e.village.ID: "sk_domisili", 0: "sk_usaha"} {
		if _, err := e.svc.SaveTemplate(e.ctx, e.admin, layer, code, e.svc.Builtin().Module(code).Source(), "", 0); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("layered", run)
}
