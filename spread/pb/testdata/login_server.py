"""A real Twisted PB server with a cred portal, for the Go client's login interop tests.

Users alice/secret and bob/hunter2; anonymous access too with --anonymous. The realm's
avatars answer perspective_whoami, perspective_add and perspective_callMind (which calls
remote_hello on the client's mind and returns its answer). Prints "PORT <n>" once
listening, then one line per cred event: "LOGIN <name> mind=<class>" when the realm hands
out an avatar and "LOGOUT <name>" when the realm's logout runs. Runs until its standard
input is closed. --fixed-challenge makes every challenge 10 11 ... 1f (as the golden
session C), so the Go client's responses can be compared byte for byte.

Usage: /usr/bin/python3 login_server.py [--anonymous] [--fixed-challenge]
"""
import sys

from zope.interface import implementer

from twisted.cred import checkers, portal
from twisted.internet import reactor, stdio
from twisted.internet.protocol import Protocol
from twisted.python import log
from twisted.spread import pb

if "--fixed-challenge" in sys.argv:
    pb.challenge = lambda: bytes(range(0x10, 0x20))


def event(*words):
    print(*words, flush=True)


class StopOnEOF(Protocol):
    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


class Avatar(pb.Avatar):
    def __init__(self, name, mind):
        self.name = name
        self.mind = mind

    def perspective_whoami(self):
        return self.name

    def perspective_add(self, a, b):
        return a + b

    def perspective_callMind(self, text):
        return self.mind.callRemote("hello", text)

    def logout(self):
        event("LOGOUT", self.name.decode())
        self.mind = None


@implementer(portal.IRealm)
class Realm:
    def requestAvatar(self, avatarId, mind, *interfaces):
        assert pb.IPerspective in interfaces
        name = b"<anonymous>" if avatarId is checkers.ANONYMOUS else avatarId
        event("LOGIN", name.decode(), "mind=%s" % type(mind).__name__)
        avatar = Avatar(name, mind)
        return pb.IPerspective, avatar, avatar.logout


def main():
    log.startLogging(sys.stderr, setStdout=False)
    p = portal.Portal(Realm())
    p.registerChecker(
        checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"secret", bob=b"hunter2")
    )
    if "--anonymous" in sys.argv:
        p.registerChecker(checkers.AllowAnonymousAccess())
    port = reactor.listenTCP(0, pb.PBServerFactory(p), interface="127.0.0.1")
    stdio.StandardIO(StopOnEOF())
    event("PORT", port.getHost().port)
    reactor.run()


main()
