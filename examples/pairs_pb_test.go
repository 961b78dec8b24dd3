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
		// pbinterop.py is a server without a client listing; pbsimpleclient (same port)
		// calls its unknown method echo, so this pair checks the NoSuchMethod answer.
		// TestPbinteropMethods calls every method pbinterop has.
		pair{
			name:   "pbinterop",
			port:   8789,
			server: listing{goPkg: "pbinterop", py: "examples/pbinterop.py"},
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
		pair{
			name:   "copy",
			port:   8800,
			server: listing{goPkg: "copy_receiver", py: "howto/listings/pb/copy_receiver.tac", lines: 2},
			client: listing{goPkg: "copy_sender", py: "howto/listings/pb/copy_sender.py"},
		},
		pair{
			name:   "copy2",
			port:   8800,
			server: listing{goPkg: "copy2_receiver", py: "howto/listings/pb/copy2_receiver.py", patch: runApplication, lines: 2},
			client: listing{goPkg: "copy2_sender", py: "howto/listings/pb/copy2_sender.py"},
		},
		// cache_sender's last call, shutdown, stops the receiver before it answers, so
		// the sender's final callback (reactor.stop) never runs: on Python the sender
		// prints its three lines and waits until it is stopped.
		pair{
			name:   "cache",
			port:   8800,
			server: listing{goPkg: "cache_receiver", py: "howto/listings/pb/cache_receiver.py", patch: runApplication, lines: 8},
			client: listing{goPkg: "cache_sender", py: "howto/listings/pb/cache_sender.py", lines: 3},
		},
	)
}

// runApplication makes a receiver that is a twistd application configuration in a .py
// file (copy2_receiver.py, cache_receiver.py: they define `application` and never run the
// reactor) runnable as a script: it starts the application's services and runs the
// reactor, as twistd -ny would, without twistd's logging. The listing itself is unchanged.
func runApplication(src string) string {
	return src + `

if __name__ == "__main__":
    service.IService(application).startService()
    reactor.run()
`
}
