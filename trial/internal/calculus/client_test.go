package calculus

import (
	"fmt"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/reactor/reactortest"
	"github.com/gotwisted/twisted/trial"
)

// ClientCalculationTestCase is the howto's test_client_4.py: the client over a
// StringTransportWithDisconnection, time from a task.Clock, results read with
// SuccessResultOf and FailureResultOf. No reactor runs.
type ClientCalculationTestCase struct {
	tr    *reactortest.StringTransportWithDisconnection
	proto *RemoteCalculationClient
}

func (s *ClientCalculationTestCase) SetUp(tc *trial.T) {
	s.tr = reactortest.NewStringTransportWithDisconnection()
	s.proto = NewRemoteCalculationClient(tc.Clock())
	s.tr.ConnectProtocol(s.proto)
}

func (s *ClientCalculationTestCase) check(tc *trial.T, operation string, a, b, expected int) {
	ops := map[string]func(a, b int) *deferred.Deferred{
		"add": s.proto.Add, "subtract": s.proto.Subtract,
		"multiply": s.proto.Multiply, "divide": s.proto.Divide,
	}
	d := ops[operation](a, b)
	tc.Equal(string(s.tr.Value()), fmt.Sprintf("%s %d %d\r\n", operation, a, b))
	s.tr.Clear()
	s.proto.DataReceived(fmt.Appendf(nil, "%d\r\n", expected))
	tc.Equal(tc.SuccessResultOf(d), expected)
}

func (s *ClientCalculationTestCase) TestAdd(tc *trial.T)      { s.check(tc, "add", 7, 6, 13) }
func (s *ClientCalculationTestCase) TestSubtract(tc *trial.T) { s.check(tc, "subtract", 82, 78, 4) }
func (s *ClientCalculationTestCase) TestMultiply(tc *trial.T) { s.check(tc, "multiply", 2, 8, 16) }
func (s *ClientCalculationTestCase) TestDivide(tc *trial.T)   { s.check(tc, "divide", 14, 3, 4) }

// TestTimeout: advancing the clock past the timeout fails the pending operation.
func (s *ClientCalculationTestCase) TestTimeout(tc *trial.T) {
	d := s.proto.Add(9, 4)
	tc.Equal(string(s.tr.Value()), "add 9 4\r\n")
	tc.Clock().Advance(s.proto.TimeOut)
	tc.FailureResultOf(d, failure.Type[*ClientTimeoutError]())
}

// TestTimeoutConnectionLost: the timeout also drops the connection.
func (s *ClientCalculationTestCase) TestTimeoutConnectionLost(tc *trial.T) {
	d := s.proto.Add(9, 4)
	tc.Equal(string(s.tr.Value()), "add 9 4\r\n")
	tc.Clock().Advance(s.proto.TimeOut)
	tc.FailureResultOf(d, failure.Type[*ClientTimeoutError]())
	tc.True(s.proto.LostReason != nil, "the connection was lost")
	tc.True(s.proto.LostReason.Check(failure.Type[*reactor.ConnectionDone]()) != nil)
}

// TestAnswerStopsTimeout: an answer in time cancels the timeout.
func (s *ClientCalculationTestCase) TestAnswerStopsTimeout(tc *trial.T) {
	d := s.proto.Add(1, 1)
	s.proto.DataReceived([]byte("2\r\n"))
	tc.Equal(len(tc.Clock().GetDelayedCalls()), 0)
	tc.Equal(tc.SuccessResultOf(d), 2)
}

// Ports the howto's test_client_4.py ClientCalculationTestCase.
func TestClientCalculation(t *testing.T) { trial.SyncSuite(t, &ClientCalculationTestCase{}) }
