package main

import "testing"

// The expected strings are what Python 3 prints for repr() of the same bytes.
func TestBytesRepr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `b''`},
		{"hello, world!", `b'hello, world!'`},
		{"it's", `b"it's"`},
		{`say "hi"`, `b'say "hi"'`},
		{`both ' and "`, `b'both \' and "'`},
		{`\ back`, `b'\\ back'`},
		{"\t\n\r\x00\x7f\xff", `b'\t\n\r\x00\x7f\xff'`},
		{"\x1e\x1f !", `b'\x1e\x1f !'`},
	}
	for _, c := range cases {
		if got := bytesRepr([]byte(c.in)); got != c.want {
			t.Errorf("bytesRepr(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
