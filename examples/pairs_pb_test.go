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
		pair{
			name:   "pb1",
			port:   8800,
			server: listing{goPkg: "pb1server", py: "howto/listings/pb/pb1server.py", lines: 2},
			client: listing{goPkg: "pb1client", py: "howto/listings/pb/pb1client.py", lines: 4},
		},
		pair{
			name:   "pb2",
			port:   8800,
			server: listing{goPkg: "pb2server", py: "howto/listings/pb/pb2server.py", lines: 4},
			client: listing{goPkg: "pb2client", py: "howto/listings/pb/pb2client.py", lines: 5},
		},
		pair{
			name:   "pb3",
			port:   8800,
			server: listing{goPkg: "pb3server", py: "howto/listings/pb/pb3server.py", lines: 2},
			client: listing{goPkg: "pb3client", py: "howto/listings/pb/pb3client.py", lines: 3},
		},
		pair{
			name:   "exc",
			port:   8800,
			server: listing{goPkg: "exc_server", py: "howto/listings/pb/exc_server.py", lines: 1},
			client: listing{goPkg: "exc_client", py: "howto/listings/pb/exc_client.py"},
		},
		pair{
			name:   "trap",
			port:   8800,
			server: listing{goPkg: "trap_server", py: "howto/listings/pb/trap_server.py"},
			client: listing{goPkg: "trap_client", py: "howto/listings/pb/trap_client.py"},
		},
	)
}
