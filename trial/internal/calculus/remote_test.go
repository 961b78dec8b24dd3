package calculus

import (
	"net"
	"strconv"
	"testing"

	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/reactor/reactortest"
	"github.com/gotwisted/twisted/trial"
)

// RemoteCalculationTestCase is the howto's test_remote_3.py: the server protocol driven
// over a StringTransport, no sockets.
type RemoteCalculationTestCase struct {
	proto reactor.Protocol
	tr    *reactortest.StringTransport
}

func (s *RemoteCalculationTestCase) SetUp(tc *trial.T) {
	factory := NewRemoteCalculationFactory()
	s.proto = factory.BuildProtocol(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	s.tr = reactortest.NewStringTransport()
	reactor.MakeConnection(s.proto, s.tr)
}

func (s *RemoteCalculationTestCase) check(tc *trial.T, operation string, a, b, expected int) {
	s.proto.DataReceived([]byte(operation + " " + strconv.Itoa(a) + " " + strconv.Itoa(b) + "\r\n"))
	tc.Equal(string(s.tr.Value()), strconv.Itoa(expected)+"\r\n")
}

func (s *RemoteCalculationTestCase) TestAdd(tc *trial.T)      { s.check(tc, "add", 7, 6, 13) }
func (s *RemoteCalculationTestCase) TestSubtract(tc *trial.T) { s.check(tc, "subtract", 82, 78, 4) }
func (s *RemoteCalculationTestCase) TestMultiply(tc *trial.T) { s.check(tc, "multiply", 2, 8, 16) }
func (s *RemoteCalculationTestCase) TestDivide(tc *trial.T)   { s.check(tc, "divide", 14, 3, 4) }

// TestInvalidParameters: the server logs the error; the test expects it and flushes it,
// otherwise trial would fail the test for an unflushed logged error.
func (s *RemoteCalculationTestCase) TestInvalidParameters(tc *trial.T) {
	s.proto.DataReceived([]byte("add foo bar\r\n"))
	tc.Equal(string(s.tr.Value()), "error\r\n")
	errors := tc.FlushLoggedErrors(failure.Type[*TypeError]())
	tc.Equal(len(errors), 1)
}

// Ports the howto's test_remote_3.py RemoteCalculationTestCase.
func TestRemoteCalculation(t *testing.T) { trial.SyncSuite(t, &RemoteCalculationTestCase{}) }
