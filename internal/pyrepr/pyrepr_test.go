package pyrepr

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/gotwisted/twisted/internal/twistedtest"
)

// The tables hold what /usr/bin/python3 (3.11) prints for repr(x); the *MatchesPython
// tests below ask it again, for these and for hundreds of generated values.

var floatCases = []struct {
	f    float64
	want string
}{
	{0, "0.0"},
	{math.Copysign(0, -1), "-0.0"},
	{1, "1.0"},
	{100, "100.0"},
	{1.5, "1.5"},
	{-1015.25, "-1015.25"},
	{0.1, "0.1"},
	{1.0 / 3, "0.3333333333333333"},
	{0.30000000000000004, "0.30000000000000004"},
	{1e16, "1e+16"},
	{9999999999999998, "9999999999999998.0"},
	{1e15, "1000000000000000.0"},
	{123456789012345.6, "123456789012345.6"},
	{1e-4, "0.0001"},
	{1e-5, "1e-05"},
	{0.00012, "0.00012"},
	{math.Nextafter(1e-4, 0), "9.999999999999999e-05"},
	{1e22, "1e+22"},
	{1e23, "1e+23"},
	{1 << 53, "9007199254740992.0"},
	{1<<53 + 2, "9007199254740994.0"},
	{1 << 63, "9.223372036854776e+18"},
	{1 << 64, "1.8446744073709552e+19"},
	{5e-324, "5e-324"},
	{2.2250738585072014e-308, "2.2250738585072014e-308"},
	{math.Nextafter(2.2250738585072014e-308, 0), "2.225073858507201e-308"},
	{math.MaxFloat64, "1.7976931348623157e+308"},
	{1e100, "1e+100"},
	{-2.5e-07, "-2.5e-07"},
	{math.Inf(1), "inf"},
	{math.Inf(-1), "-inf"},
	{math.NaN(), "nan"},
}

func TestFloat(t *testing.T) {
	for _, c := range floatCases {
		if got := Float(c.f); got != c.want {
			t.Errorf("Float(%v) = %s, want %s", c.f, got, c.want)
		}
	}
}

// Float's text reads back as the same float, whatever the bits.
func TestFloatRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		s := Float(f)
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(back) != math.Float64bits(f) {
			t.Fatalf("Float(%b) = %s reads back as %b (%v)", f, s, back, err)
		}
	}
}

var strCases = []struct{ in, want string }{
	{"", `''`},
	{"hello", `'hello'`},
	{"it's", `"it's"`},
	{`say "hi"`, `'say "hi"'`},
	{`both ' and "`, `'both \' and "'`},
	{`back\slash`, `'back\\slash'`},
	{"tab\tnl\ncr\r", `'tab\tnl\ncr\r'`},
	{"\x00\x01\x1f\x7f", `'\x00\x01\x1f\x7f'`},
	{"\u0080\u0085\u009f\u00a0\u00ad\u00ff", `'\x80\x85\x9f\xa0\xad` + "\u00ff'"},
	{"café ☃", "'café ☃'"},
	{"\u00a0\u2028\u2029\u200b\ufeff\ue000\U0001F600\U000e0001\U0010ffff\u0378",
		`'\xa0\u2028\u2029\u200b\ufeff\ue000` + "\U0001F600" + `\U000e0001\U0010ffff\u0378'`},
	{"\u3000 \u2003", `'\u3000 \u2003'`},
	// Not UTF-8: each stray byte is the surrogate surrogateescape decodes it to (an encoded
	// surrogate, an overlong, a code point past U+10FFFF, a truncated sequence).
	{"\xff\xed\xa0\x80\xc0\xafok\xf4\x90\x80\x80\xe2\x82",
		`'\udcff\udced\udca0\udc80\udcc0\udcafok\udcf4\udc90\udc80\udc80\udce2\udc82'`},
}

func TestStr(t *testing.T) {
	for _, c := range strCases {
		if got := Str(c.in); got != c.want {
			t.Errorf("Str(%+q) = %s, want %s", c.in, got, c.want)
		}
	}
}

var bytesCases = []struct{ in, want string }{
	{"", `b''`},
	{"raw", `b'raw'`},
	{"it's", `b"it's"`},
	{`"`, `b'"'`},
	{`'"`, `b'\'"'`},
	{"\x00\t\n\r\x1f\x7f\x80\xff\\", `b'\x00\t\n\r\x1f\x7f\x80\xff\\'`},
	{"é", `b'\xc3\xa9'`},
}

func TestBytes(t *testing.T) {
	for _, c := range bytesCases {
		if got := Bytes([]byte(c.in)); got != c.want {
			t.Errorf("Bytes(%+q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// askPython runs script under Debian's python3 with one hex-encoded input a line on its
// standard input and returns the lines it writes, one an input (after header lines).
func askPython(t *testing.T, script string, inputs [][]byte, header int) []string {
	t.Helper()
	python := twistedtest.Python(t)
	var in strings.Builder
	for _, p := range inputs {
		in.WriteString(hex.EncodeToString(p) + "\n")
	}
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != header+len(inputs) {
		t.Fatalf("python wrote %d lines for %d inputs", len(lines), len(inputs))
	}
	return lines
}

// testFloats are the floats TestFloatMatchesPython checks: the table's, the neighbours
// of every power of ten around both switches to an exponent, powers of two down into the
// subnormals, large integers, and random values of every magnitude and bit pattern.
func testFloats() []float64 {
	fs := make([]float64, 0, 800)
	for _, c := range floatCases {
		fs = append(fs, c.f)
	}
	for e := -8; e <= 24; e++ {
		p := math.Pow(10, float64(e))
		for _, m := range []float64{1, 1.5, 9.5, 9.999999999999999, 0.9999999999999999} {
			v := p * m
			fs = append(fs, v, -v, math.Nextafter(v, 0), math.Nextafter(v, math.Inf(1)))
		}
	}
	for e := -1074; e <= 1023; e += 37 {
		fs = append(fs, math.Ldexp(1, e), math.Ldexp(3, e-1))
	}
	for _, n := range []int64{1<<53 - 1, 1 << 53, 1<<53 + 1, 1<<62 + 1, math.MaxInt64, math.MinInt64, 1e17 + 1, 123456789012345678} {
		fs = append(fs, float64(n))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 150 {
		fs = append(fs, math.Float64frombits(rng.Uint64()))                              // any exponent, NaNs with payloads
		fs = append(fs, math.Float64frombits(rng.Uint64N(1<<52)))                        // subnormal
		fs = append(fs, float64(rng.Int64N(1e9))*math.Pow(10, float64(rng.IntN(30)-15))) // decimal-looking
	}
	return fs
}

func TestFloatMatchesPython(t *testing.T) {
	fs := testFloats()
	inputs := make([][]byte, len(fs))
	for i, f := range fs {
		inputs[i] = binary.BigEndian.AppendUint64(nil, math.Float64bits(f))
	}
	const script = `import sys, struct
out = sys.stdout
for line in sys.stdin:
    print(repr(struct.unpack('>d', bytes.fromhex(line))[0]), file=out)
`
	want := askPython(t, script, inputs, 0)
	for i, f := range fs {
		if got := Float(f); got != want[i] {
			t.Errorf("Float(%b) = %s, Python's repr is %s", f, got, want[i])
		}
	}
}

// testStrings are the strings TestStrMatchesPython checks: every code point below U+0300
// alone, the characters near the line Python draws between printable and not (spaces,
// separators, format and private-use characters, noncharacters, the edges of the planes),
// random code points of every plane, random mixtures of quotes, backslashes, controls and
// those, and strings that are not UTF-8.
func testStrings() []string {
	var ss []string
	for _, c := range strCases {
		ss = append(ss, c.in)
	}
	for r := rune(0); r < 0x300; r++ {
		ss = append(ss, string(r))
	}
	special := []rune{0x034f, 0x061c, 0x0378, 0x1680, 0x180e, 0x2000, 0x200a, 0x200b, 0x200d,
		0x200e, 0x2027, 0x2028, 0x2029, 0x202f, 0x205f, 0x2060, 0x2064, 0x2066, 0x206f, 0x3000,
		0xd7ff, 0xe000, 0xf8ff, 0xfdd0, 0xfeff, 0xfff9, 0xfffc, 0xfffd, 0xfffe, 0xffff,
		0x10000, 0x1d173, 0x1f600, 0x1fffe, 0x20000, 0xe0001, 0xe0020, 0xe0100, 0xf0000,
		0xffffd, 0x10fffd, 0x10ffff,
		0x0cf3, 0x1f6dc, 0x11f00} // the last three are new in Unicode 15
	rng := rand.New(rand.NewPCG(7, 8))
	randomRune := func() rune {
		for {
			var r rune
			switch rng.IntN(3) {
			case 0:
				r = rune(rng.IntN(0x10000)) // the BMP, most of it assigned
			case 1:
				r = rune(0x10000 + rng.IntN(0x20000)) // planes 1 and 2
			default:
				r = rune(rng.IntN(unicode.MaxRune + 1))
			}
			if r < 0xd800 || r > 0xdfff { // a Go string cannot hold a surrogate
				return r
			}
		}
	}
	for range 300 {
		special = append(special, randomRune())
	}
	for _, r := range special {
		ss = append(ss, string(r))
	}
	pool := append([]rune("'\"\\\t\n\r\x00\x1b\x7f\u0085\u00a0 aZ9~"), special...)
	for range 200 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteRune(pool[rng.IntN(len(pool))])
		}
		ss = append(ss, b.String())
	}
	for _, s := range []string{"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2A", "\xe0\x80\x80",
		"\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xef\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe\xff", "ok\xe2\x82", "\xe2\x82\xac\xe2\x82"} {
		ss = append(ss, s, "'"+s+"\\")
	}
	for range 100 {
		p := make([]byte, 1+rng.IntN(8))
		for i := range p {
			p[i] = byte(rng.IntN(256))
		}
		ss = append(ss, string(p))
	}
	return ss
}

// TestStrMatchesPython compares Str(s) with Python's repr(s.decode('utf-8',
// 'surrogateescape')). Python 3.11's tables are Unicode 14, Go's may be newer: a
// character Go knows and Python reports unassigned (category Cn) is printable to Go and
// escaped by Python, and only that difference is forgiven.
func TestStrMatchesPython(t *testing.T) {
	ss := testStrings()
	inputs := make([][]byte, len(ss))
	for i, s := range ss {
		inputs[i] = []byte(s)
	}
	const script = `import sys, unicodedata
out = sys.stdout.buffer
out.write(unicodedata.unidata_version.encode() + b'\n')
for line in sys.stdin:
    s = bytes.fromhex(line).decode('utf-8', 'surrogateescape')
    cn = ' '.join('%x' % ord(c) for c in s if unicodedata.category(c) == 'Cn')
    out.write(repr(s).encode() + b'\t' + cn.encode() + b'\n')
`
	lines := askPython(t, script, inputs, 1)
	pyUnicode, lines := lines[0], lines[1:]
	skewed := map[rune]bool{}
	for i, s := range ss {
		want, cn, _ := strings.Cut(lines[i], "\t")
		for _, h := range strings.Fields(cn) {
			r, _ := strconv.ParseInt(h, 16, 32)
			if unicode.IsPrint(rune(r)) { // newer than Python's tables
				skewed[rune(r)] = true
				want = strings.ReplaceAll(want, pyEscape(rune(r)), string(rune(r)))
			}
		}
		if got := Str(s); got != want {
			t.Errorf("Str(%+q) = %s, Python's repr is %s", s, got, want)
		}
	}
	if len(skewed) > 0 {
		t.Logf("%d code points are assigned in Go's Unicode %s and not in Python's %s; their escapes were forgiven",
			len(skewed), unicode.Version, pyUnicode)
	}
}

// pyEscape is the escape Python's repr writes for the code point r above U+00FF.
func pyEscape(r rune) string {
	if r < 0x10000 {
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}

// TestBytesMatchesPython checks every byte alone and all 256 together, quotes in every
// combination, and random byte strings.
func TestBytesMatchesPython(t *testing.T) {
	var inputs [][]byte
	for _, c := range bytesCases {
		inputs = append(inputs, []byte(c.in))
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
		inputs = append(inputs, []byte{byte(i)})
	}
	inputs = append(inputs, all, bytes.Repeat([]byte("'\"\\"), 3))
	rng := rand.New(rand.NewPCG(9, 10))
	for range 200 {
		p := make([]byte, rng.IntN(16))
		for i := range p {
			if rng.IntN(4) == 0 {
				p[i] = "'\"\\"[rng.IntN(3)]
			} else {
				p[i] = byte(rng.IntN(256))
			}
		}
		inputs = append(inputs, p)
	}
	const script = `import sys
for line in sys.stdin:
    print(repr(bytes.fromhex(line)))
`
	want := askPython(t, script, inputs, 0)
	for i, p := range inputs {
		if got := Bytes(p); got != want[i] {
			t.Errorf("Bytes(%+q) = %s, Python's repr is %s", p, got, want[i])
		}
	}
}
