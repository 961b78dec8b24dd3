// Package deferred is Twisted's twisted.internet.defer for Go: Deferred, DeferredList,
// Gather, MaybeDeferred, Succeed/Fail, Inline/Await (inlineCallbacks), Lock, Semaphore,
// Queue, timeouts and cancellation. The package is named deferred because defer is a Go
// keyword; its folder is defer/.
package deferred
