package banana

import "strconv"

// Options configures a Conn. The zero value gives Twisted's defaults.
type Options struct {
	// SizeLimit caps every list (elements) and byte string (bytes), received or sent.
	// 0 means SizeLimit (640 KiB), Twisted's SIZE_LIMIT.
	SizeLimit int
	// PrefixLimit caps received prefixes in bytes. 0 means PrefixLimit (64).
	PrefixLimit int
	// Raw makes Feed return each expression after negotiation as its bytes (a Raw)
	// rather than a tree; see Raw.
	Raw bool
	// RawAliases lets those Raw expressions alias memory instead of being copied: valid
	// only until the next Feed, and while the data given to Feed is (see
	// Decoder.RawAliases).
	RawAliases bool
	// Dialects lists the dialects this side knows, in order of preference: a server
	// offers them in this order, a client accepts the first of the server's offer that
	// appears here. nil means Twisted's knownDialects, [DialectPB, DialectNone].
	Dialects []Dialect
}

var defaultDialects = []Dialect{DialectPB, DialectNone}

// Conn is the banana side of one connection, free of any reactor: the protocol feeds it
// the bytes it receives and writes whatever it returns. It runs Twisted's dialect
// negotiation and then decodes expressions and encodes them in the chosen dialect.
//
// Negotiation, as Twisted 22.4 does it (pb-wire.md section 1.9):
//
//	server ConnectionMade  -> sends ['pb', 'none'] (no VOCAB yet)
//	client first Feed      -> picks the first offered dialect it knows, sends it as a bare
//	                          string ('pb' = 02 82 70 62) and becomes ready
//	server                 -> the first expression must be a dialect it offered; it
//	                          becomes ready
//
// Becoming ready is Twisted's connectionReady; PB then sends ['version', 6]. The caller
// drives it like this:
//
//	toSend := c.ConnectionMade()           // write it
//	...
//	wasReady := c.Ready()
//	exprs, toSend, err := c.Feed(data)
//	write(toSend)                          // the client's dialect choice, if any
//	if !wasReady && c.Ready() { connectionReady() }  // e.g. send ['version', 6]
//	for _, x := range exprs { expressionReceived(x) }
//	if err != nil { if IsGracefulClose(err) { loseConnection() } else { abortConnection() } }
//
// Expressions that arrive in the same read as the negotiation are decoded with the newly
// chosen dialect and returned by that same Feed. A Conn is not safe for concurrent use.
type Conn struct {
	isClient  bool
	dialects  []Dialect
	sizeLimit int
	dec       Decoder
	ready     bool
	raw       bool
	exprs     []any
	toSend    []byte
}

// NewConn returns the banana state of a new connection. isClient selects the role in
// dialect negotiation (the server speaks first).
func NewConn(isClient bool, opts Options) *Conn {
	c := &Conn{isClient: isClient, dialects: opts.Dialects, sizeLimit: opts.SizeLimit, raw: opts.Raw}
	if len(c.dialects) == 0 {
		c.dialects = defaultDialects
	}
	if c.sizeLimit <= 0 {
		c.sizeLimit = SizeLimit
	}
	c.dec.SizeLimit = c.sizeLimit
	c.dec.PrefixLimit = opts.PrefixLimit
	c.dec.RawAliases = opts.RawAliases
	c.dec.Dialect = DialectUnset
	return c
}

// IsClient reports the role given to NewConn.
func (c *Conn) IsClient() bool { return c.isClient }

// Ready reports whether negotiation has finished (Twisted's connectionReady has run).
func (c *Conn) Ready() bool { return c.ready }

// Dialect returns the negotiated dialect, DialectUnset before negotiation.
func (c *Conn) Dialect() Dialect { return c.dec.Dialect }

// SizeLimit returns the connection's list and string limit.
func (c *Conn) SizeLimit() int { return c.sizeLimit }

// PrefixLimit returns the connection's prefix limit in bytes.
func (c *Conn) PrefixLimit() int {
	if c.dec.PrefixLimit > 0 {
		return c.dec.PrefixLimit
	}
	return PrefixLimit
}

// AtBoundary reports whether the connection is ready, has not failed, and holds nothing
// of an unfinished expression: the next bytes received start an expression, so a receiver
// may read whole expressions straight from them (see ReadToken) and Feed only the rest.
func (c *Conn) AtBoundary() bool {
	d := &c.dec
	return c.ready && d.err == nil && len(d.pending) == 0 && len(d.stack) == 0 && len(d.rawStack) == 0
}

// ConnectionMade returns the bytes to send when the connection opens: the dialect offer
// for a server, nothing for a client.
func (c *Conn) ConnectionMade() []byte {
	if c.isClient {
		return nil
	}
	buf := AppendListHeader(nil, len(c.dialects))
	for _, d := range c.dialects {
		buf = AppendStr(buf, d.String(), DialectUnset)
	}
	return buf
}

// Feed decodes received bytes. It returns the complete expressions received after
// negotiation, bytes to send (the client's dialect choice), and an error that tells the
// caller to drop the connection: IsGracefulClose(err) means close after flushing output
// (Twisted's loseConnection), anything else means abort at once. The exprs slice is
// reused by the next Feed call.
func (c *Conn) Feed(data []byte) (exprs []any, toSend []byte, err error) {
	c.exprs = c.exprs[:0]
	c.toSend = nil
	err = c.dec.feed(data, (*connSink)(c))
	if err != nil && c.dec.err == nil {
		c.dec.err = err // a negotiation failure ends the stream too
	}
	toSend, c.toSend = c.toSend, nil
	return c.exprs, toSend, err
}

// connSink routes the first expression to negotiation and the rest to Feed's result.
type connSink Conn

func (s *connSink) expr(x any) error {
	c := (*Conn)(s)
	if c.ready {
		c.exprs = append(c.exprs, x)
		return nil
	}
	var err error
	c.toSend, err = c.negotiate(x, c.toSend)
	return err
}

// negotiate handles the first expression of the connection.
func (c *Conn) negotiate(x any, out []byte) ([]byte, error) {
	if c.isClient {
		switch offer := x.(type) {
		case []any:
			for _, o := range offer {
				b, ok := o.([]byte)
				if !ok {
					continue
				}
				if d := dialectByName(b); d != DialectUnset && c.knows(d) {
					out = AppendStr(out, d.String(), DialectUnset)
					c.selectDialect(d)
					return out, nil
				}
			}
			return out, newError(ErrNoDialect, "The client doesn't speak any of the protocols offered by the server: disconnecting.")
		case []byte:
			// Twisted iterates the bytes as integers, none of which is a dialect.
			return out, newError(ErrNoDialect, "The client doesn't speak any of the protocols offered by the server: disconnecting.")
		default:
			return out, newError(ErrBadDialectOffer, "dialect offer is not iterable: "+typeName(x))
		}
	}
	if b, ok := x.([]byte); ok {
		if d := dialectByName(b); d != DialectUnset && c.knows(d) {
			c.selectDialect(d)
			return out, nil
		}
	}
	return out, newError(ErrNoDialect, "The client selected a protocol the server didn't suggest and doesn't know: disconnecting.")
}

func (c *Conn) knows(d Dialect) bool {
	for _, k := range c.dialects {
		if k == d {
			return true
		}
	}
	return false
}

func (c *Conn) selectDialect(d Dialect) {
	c.dec.Dialect = d
	c.ready = true
	c.dec.Raw = c.raw
}

// AppendExpr appends x encoded in the connection's dialect (VOCAB compression once "pb"
// is chosen), enforcing the connection's size limit. See the package-level AppendExpr.
func (c *Conn) AppendExpr(buf []byte, x any) ([]byte, error) {
	n := len(buf)
	out, err := appendExpr(buf, x, c.dec.Dialect, c.sizeLimit, 0)
	if err != nil {
		return buf[:n], err
	}
	return out, nil
}

func typeName(x any) string {
	switch v := x.(type) {
	case int64:
		return "int " + strconv.FormatInt(v, 10)
	case float64:
		return "float"
	}
	return "int"
}
