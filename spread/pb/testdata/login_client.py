"""A real Twisted PB client for the Go server's login interop tests.

Each argument after the port is one login attempt, on a connection of its own:
"user:password" or "anonymous". For each it prints lines the Go test compares:

  <attempt> OK whoami=<repr> add=<repr> mind=<repr>    login worked; the avatar was called,
                                                         and it called back the client's mind
  <attempt> FAIL <class> value=<repr> trapped=<class>   login failed; the failure's remote
                                                         class and what f.trap matched
  MIND hello <repr>                                      the server called the mind

then "DONE". Every connection is closed after its attempt, so the server sees the logouts.

Usage: /usr/bin/python3 login_client.py <port> <attempt>...
"""
import sys

from twisted.cred import credentials
from twisted.cred.error import LoginFailed, UnauthorizedLogin, UnhandledCredentials
from twisted.internet import defer, reactor
from twisted.internet.task import deferLater
from twisted.python import log
from twisted.spread import pb


def out(*words):
    print(*words, flush=True)


class Mind(pb.Referenceable):
    def remote_hello(self, text):
        out("MIND hello %r" % (text,))
        return "hello back, " + text


@defer.inlineCallbacks
def attempt(port, spec):
    factory = pb.PBClientFactory()
    reactor.connectTCP("127.0.0.1", port, factory)
    if spec == "anonymous":
        creds = credentials.Anonymous()
    else:
        user, password = spec.split(":", 1)
        creds = credentials.UsernamePassword(user.encode(), password.encode())
    outcome = yield factory.login(creds, Mind()).addCallbacks(
        lambda avatar: ("ok", avatar), lambda f: ("fail", f)
    )
    if outcome[0] == "ok":
        avatar = outcome[1]
        who = yield avatar.callRemote("whoami")
        added = yield avatar.callRemote("add", 100, 23)
        mind = yield avatar.callRemote("callMind", "ping")
        out(spec, "OK", "whoami=%r" % (who,), "add=%r" % (added,), "mind=%r" % (mind,))
    else:
        f = outcome[1]
        trapped = f.check(UnauthorizedLogin, UnhandledCredentials, LoginFailed)
        out(
            spec,
            "FAIL",
            f.type.decode() if isinstance(f.type, bytes) else f.type,
            "value=%r" % (f.getErrorMessage(),),
            "trapped=%s" % (trapped.__name__ if trapped else None),
        )
    factory.disconnect()
    yield deferLater(reactor, 0.05, lambda: None)


@defer.inlineCallbacks
def main(port, specs):
    try:
        for spec in specs:
            yield attempt(port, spec)
    except Exception:
        log.err()
    out("DONE")
    reactor.stop()


log.startLogging(sys.stderr, setStdout=False)
reactor.callWhenRunning(main, int(sys.argv[1]), sys.argv[2:])
reactor.run()
