// Package examples holds Go ports of Twisted's example programs and PB howto listings, one
// program per folder, named after the listing, keeping its port and printed lines.
//
// The test in this folder runs each port against its Python original (Debian's
// python3-twisted and twisted-doc) in both directions and checks they print the same lines.
package examples
