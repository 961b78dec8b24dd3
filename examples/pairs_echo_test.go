package examples

// The echo examples from twisted-doc's examples folder: echoserv.py with echoclient.py,
// and simpleserv.py with simpleclient.py, both on port 8000. The clients exit by
// themselves; the servers are stopped once the client is done.
func init() {
	pairs = append(pairs,
		pair{
			name:   "echo",
			port:   8000,
			server: listing{goPkg: "echoserv", py: "examples/echoserv.py"},
			client: listing{goPkg: "echoclient", py: "examples/echoclient.py"},
		},
		pair{
			name:   "simple",
			port:   8000,
			server: listing{goPkg: "simpleserv", py: "examples/simpleserv.py"},
			client: listing{goPkg: "simpleclient", py: "examples/simpleclient.py"},
		},
	)
}
