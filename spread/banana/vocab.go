package banana

// Dialect is the per-connection banana profile. It starts unset; negotiation selects
// "pb" (with the 31-word vocabulary) or "none".
type Dialect uint8

const (
	// DialectUnset is the state before negotiation: no VOCAB is sent, and a received
	// VOCAB is an error.
	DialectUnset Dialect = iota
	// DialectNone is the "none" dialect: plain banana, no VOCAB either way.
	DialectNone
	// DialectPB is the "pb" dialect: every byte string equal to a vocabulary word is sent
	// as a VOCAB token, and VOCAB tokens are accepted.
	DialectPB
)

// String returns the dialect's wire name ("pb", "none"), or "unset".
func (d Dialect) String() string {
	switch d {
	case DialectNone:
		return "none"
	case DialectPB:
		return "pb"
	}
	return "unset"
}

// dialectByName maps a wire name to a Dialect; DialectUnset when unknown.
func dialectByName(b []byte) Dialect {
	switch string(b) {
	case "pb":
		return DialectPB
	case "none":
		return DialectNone
	}
	return DialectUnset
}

// Vocabulary is the "pb" dialect's table: Vocabulary[i] is the word sent as the token
// "i 87". Index 0 is unused (receiving it is an error, as in Twisted).
var Vocabulary = [32]string{
	"",
	// jelly data types
	"None", "class", "dereference", "reference", "dictionary", "function", "instance",
	"list", "module", "persistent", "tuple", "unpersistable",
	// PB data types
	"copy", "cache", "cached", "remote", "local", "lcache",
	// PB protocol messages
	"version", "login", "password", "challenge", "logged_in", "not_logged_in",
	"cachemessage", "message", "answer", "error", "decref", "decache", "uncache",
}

// vocabBytes holds the words as byte slices for the decoder.
var vocabBytes = func() (t [32][]byte) {
	for i, w := range Vocabulary {
		t[i] = []byte(w)
	}
	return
}()

// byLen[n] lists the indexes of the words of length n, so a lookup compares at most a
// handful of candidates and never allocates.
var byLen = func() (t [14][]uint8) {
	for i := 1; i < len(Vocabulary); i++ {
		n := len(Vocabulary[i])
		t[n] = append(t[n], uint8(i))
	}
	return
}()

// firstByte has bit c set when some word starts with byte c: most strings that are not
// words are ruled out by one test.
var firstByte = func() (t [4]uint64) {
	for _, w := range Vocabulary[1:] {
		t[w[0]>>6] |= 1 << (w[0] & 63)
	}
	return
}()

// VocabIndex returns the vocabulary index of s, or 0 when s is not a word.
func VocabIndex(s string) int {
	if len(s) >= len(byLen) || len(s) < 4 || firstByte[s[0]>>6]&(1<<(s[0]&63)) == 0 {
		return 0
	}
	for _, i := range byLen[len(s)] {
		if Vocabulary[i] == s {
			return int(i)
		}
	}
	return 0
}

func vocabIndexBytes(s []byte) int {
	if len(s) >= len(byLen) || len(s) < 4 || firstByte[s[0]>>6]&(1<<(s[0]&63)) == 0 {
		return 0
	}
	for _, i := range byLen[len(s)] {
		if Vocabulary[i] == string(s) {
			return int(i)
		}
	}
	return 0
}
