package examples

// The Perspective Broker listings from twisted-doc: examples/pbsimple.py (with
// pbsimpleclient.py and pbinterop.py on port 8789) and howto/listings/pb (port 8800).
func init() {
	pairs = append(pairs,
		pair{
			name:   "pbsimple",
			port:   8789,
			server: listing{goPkg: "pbsimple", py: "examples/pbsimple.py", lines: 1},
			client: listing{goPkg: "pbsimpleclient", py: "examples/pbsimpleclient.py"},
		},
	)
}
