package auth

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/scoring"
)

// zxcvbnRelated is the related-words list the recorded guesses were taken
// with, as ValidatePassword builds it for the username "kades", the name
// "Slamet Riyadi" and the village "Sumberejo".
var zxcvbnRelated = []string{"kades", "slamet riyadi", "slamet", "riyadi", "sumberejo"}

// zxcvbnRecorded are the guesses the unmodified github.com/trustelem/zxcvbn
// v1.0.1 (before it was vendored into third_party/zxcvbn) returned for
// each password, without and with zxcvbnRelated, in 2026: dates and recent
// years are scored by their distance from the current year, so the test
// pins scoring.ReferenceYear to 2026. They cover every matcher: the
// frequency-list dictionaries, the related words, reversed words, l33t,
// keyboard patterns on all four graphs, repeats, sequences, recent years,
// dates and bruteforce.
var zxcvbnRecorded = []struct {
	pw            string
	plain, withRe float64
}{
	{"12345678", 4, 4},
	{"password", 3, 3},
	{"qwertyuiop", 23, 23},
	{"admin123", 7244, 7244},
	{"kades123", 1.001e+07, 15000},
	{"sumberejo", 1.5601e+08, 6},
	{"slametriyadi", 5.7240001e+11, 15000},
	{"sitiaminah", 1.41472e+09, 1.41472e+09},
	{"Sumberejo", 1.5601e+08, 11},
	{"demo12345", 417900, 417900},
	{"rahasia123", 1.1286e+06, 1.1286e+06},
	{"Kuat-Sekali-9182", 4.4760001e+15, 4.4760001e+15},
	{"kuda lari di sawah pagi 7", 3e+24, 3e+24},
	{"bismillah", 4460, 4460},
	{"P@ssw0rd!", 11100, 11100},
	{"tr0ub4dor&3", 1.00000000001e+11, 1.00000000001e+11},
	{"correcthorsebatterystaple", 2.7350032770064e+14, 2.7350032770064e+14},
	{"zxcvbn", 58, 58},
	{"1qaz2wsx3edc", 1001, 1001},
	{"qazwsxedc", 239, 239},
	{"asdfghjkl;", 3889.0000000000005, 3889.0000000000005},
	{"7894561230", 4137, 4137},
	{"abcdefghij", 41, 41},
	{"zyxwvuts", 65, 65},
	{"aaaaaaaa", 97, 97},
	{"abcabcabc", 40, 40},
	{"01/02/1987", 56941, 56941},
	{"1987-06-15", 56941, 56941},
	{"13.5.2019", 29201, 29201},
	{"Jakarta2024!", 2.18361e+09, 2.18361e+09},
	{"indonesia45", 216300, 216300},
	{"merdeka1945", 3.587932e+06, 3.587932e+06},
	{"drowssap", 5, 5},
	{"M0nk3y!!", 22000, 22000},
	{"iloveyou2", 4061, 4061},
	{"Th1s-is-L0ng3r", 1.3444e+10, 1.3444e+10},
	{"sumberejo2024", 1.00000001e+12, 810634.6666666665},
	{"kades!kades", 1.00000000001e+11, 1.0001e+08},
	{"RiyadiSlamet", 6.898e+11, 15000},
	{"héllo wörld ünïcode", 1.77600000000001e+18, 1.77600000000001e+18},
	{"إندونيسيا", 1.000000001e+09, 1.000000001e+09},
	{strings.Repeat("Ab3$xYz9", 8), 8.00000009e+08, 8.00000009e+08},
	{strings.Repeat("ab", 32), 289, 289},
	{"gunung-merapi-meletus", 2.7998401e+19, 2.7998401e+19},
	{"12qwaszx", 350, 350},
	{"!@#$%^&*", 6049.000000000001, 6049.000000000001},
	{"Desa Sukamaju", 1.0000000000001e+13, 1.0000000000001e+13},
	{"kopi.tubruk.88", 3.00001e+13, 3.00001e+13},
}

// pinReferenceYear sets the year zxcvbn scores dates against to the year
// zxcvbnRecorded was taken in, for the rest of the test.
func pinReferenceYear(t *testing.T) {
	old := scoring.ReferenceYear
	scoring.ReferenceYear = 2026
	t.Cleanup(func() { scoring.ReferenceYear = old })
}

// checkRecordedGuesses compares zxcvbn's guesses for every recorded
// password with the recorded ones, exactly.
func checkRecordedGuesses(t *testing.T) {
	for _, tt := range zxcvbnRecorded {
		if got := zxcvbn.PasswordStrength(tt.pw, nil).Guesses; got != tt.plain {
			t.Errorf("PasswordStrength(%q, nil).Guesses = %v, recorded %v", tt.pw, got, tt.plain)
		}
		if got := zxcvbn.PasswordStrength(tt.pw, zxcvbnRelated).Guesses; got != tt.withRe {
			t.Errorf("PasswordStrength(%q, related).Guesses = %v, recorded %v", tt.pw, got, tt.withRe)
		}
	}
}

// TestZxcvbnGuessesUnchanged checks that the vendored zxcvbn, which builds
// its dictionaries on first use, estimates what the published v1.0.1 did.
func TestZxcvbnGuessesUnchanged(t *testing.T) {
	pinReferenceYear(t)
	checkRecordedGuesses(t)
}

// TestZxcvbnConcurrentFirstUse has eight goroutines make the first
// estimates of a fresh process at the same moment, so that they all ask
// for the dictionaries while they are being built; each must get the
// recorded guesses, and under -race the detector must stay quiet. The
// fresh process is this test binary run again for this test alone: in
// this one, another test may have built the dictionaries already.
func TestZxcvbnConcurrentFirstUse(t *testing.T) {
	if os.Getenv("SURATDESA_ZXCVBN_FIRST_USE") == "1" {
		pinReferenceYear(t)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				<-start
				checkRecordedGuesses(t)
			})
		}
		close(start)
		wg.Wait()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestZxcvbnConcurrentFirstUse$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "SURATDESA_ZXCVBN_FIRST_USE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestZxcvbnConcurrentFirstUse") {
		t.Fatalf("child process did not run the test:\n%s", out)
	}
}
