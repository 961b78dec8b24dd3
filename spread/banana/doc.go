// Package banana implements Twisted's banana, the s-expression byte encoding under
// Perspective Broker, byte for byte as Twisted 22.4 speaks it.
//
// A banana expression is a tree of lists, integers, floats and byte strings. Every token
// is a base-128 prefix (least significant 7-bit group first, no continuation bits), a type
// byte 0x80..0x87, and for strings and floats a payload:
//
//	02 80 05 82 68 65 6c 6c 6f 2a 81      [b"hello", 42]
//
// # Go representation
//
// Decoded and encoded expressions use these Go types:
//
//	banana           Go (decoded)                 Go (accepted by the encoder)
//	LIST             []any (nil when empty)       []any, any other slice or array
//	STRING, VOCAB    []byte (a fresh copy)        []byte
//	INT, LONGINT     int64, *big.Int beyond       int*, uint*, bool (1/0), *big.Int
//	NEG, LONGNEG     int64, *big.Int beyond       (same)
//	FLOAT            float64                      float64, float32
//
// A Go string is refused, as Twisted refuses a Python str: banana has no text type, and
// jelly wraps text as ['unicode', utf8].
//
// # Encoding
//
// The encoder appends to a caller-owned buffer. AppendExpr encodes a whole tree; the
// primitives AppendInt, AppendBigInt, AppendFloat, AppendString, AppendStr and
// AppendListHeader let a caller stream a message without building the tree:
//
//	buf = banana.AppendListHeader(buf, 2)
//	buf = banana.AppendStr(buf, "version", banana.DialectPB) // 13 87: a vocabulary word
//	buf = banana.AppendInt(buf, 6)                          // 06 81
//
// Integers take Twisted's token types (INT up to 2**31-1, LONGINT above, NEG down to
// -2**31, LONGNEG below) and are limited to ±(2**448-1). Floats are big-endian; Go's
// math.NaN() is sent as CPython's NaN (7ff8000000000000).
//
// # Decoding
//
// Decoder accepts bytes in any split and yields complete top-level expressions. It keeps
// Twisted's limits: SizeLimit (640 KiB) per list and per string, checked the moment the
// type byte arrives, and PrefixLimit (64 bytes) per prefix. It is iterative, so 100 000
// nested lists cost heap, not stack, and it never reserves memory beyond what the bytes
// received can fill.
//
// # Connections and dialects
//
// Conn wraps a Decoder with the dialect negotiation that opens every banana connection:
// the server offers ['pb', 'none'], the client answers with the bare string 'pb', and
// from then on both sides send every byte string equal to one of the 31 Vocabulary words
// as a VOCAB token. Conn knows nothing of sockets or reactors; see its documentation for
// the calling sequence. Errors are values wrapping the sentinels in this package
// (ErrStringTooLong, ErrPrefixTooLong, ...); IsGracefulClose tells a failed negotiation,
// which Twisted answers with loseConnection, from the errors it answers by aborting the
// connection.
//
// # Raw expressions
//
// With Decoder.Raw (Options.Raw for a Conn) each complete expression comes out as its
// bytes, a Raw, checked token by token but not built into a tree. Raw.Elements takes a
// message apart one level deep, and the jelly package's Unjellier.UnjellyBanana decodes
// a jelly part straight into Go values. For messages with large or dictionary-heavy
// arguments this is several times cheaper than building the tree; for small calls the
// tree path is the cheaper one (see docs/performance.md). With RawAliases the Raw
// expressions are not even copied: they alias the input, for a receiver that is done
// with each before it feeds more.
//
// A receiver can also skip the framing pass for expressions that start a read: when
// Conn.AtBoundary reports that nothing of an unfinished expression is held, it may read
// whole expressions straight from the bytes it received, with ReadToken checking each
// token header exactly as the decoder would (dialect, size and prefix limits), and Feed
// only what it could not finish. PB's broker reads its calls and answers that way.
//
// Encode and Decode mirror Twisted's module-level banana.encode and banana.decode, which
// use the "none" dialect; Format prints an expression in Twisted's notation.
package banana
