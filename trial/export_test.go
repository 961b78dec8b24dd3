package trial

import "testing"

// RunSuiteWith exposes runSuite to the external tests, which drive it with fake subtests.
func RunSuiteWith(tb testing.TB, sub func(name string, f func(testing.TB)), suite any, async bool, opts ...Option) {
	runSuite(tb, sub, suite, async, opts)
}
