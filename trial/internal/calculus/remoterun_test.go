package calculus

import (
	"net"
	"testing"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/reactor"
	"github.com/gotwisted/twisted/trial"
)

// RemoteRunCalculationTestCase is the howto's test_remote_2.py: a real server on a
// loopback port and a real client, on the test's reactor. The port is closed by a cleanup
// (the howto's addCleanup variant), and the client's connection by another, so the
// janitor finds the reactor clean.
type RemoteRunCalculationTestCase struct {
	port reactor.ListeningPort
}

func (s *RemoteRunCalculationTestCase) SetUp(tc *trial.T) *deferred.Deferred {
	port := trial.Must(tc.Reactor().ListenTCP(0, NewRemoteCalculationFactory(), reactor.Interface("127.0.0.1")))
	s.port = port
	tc.AddCleanup(port.StopListening)
	return nil
}

func (s *RemoteRunCalculationTestCase) check(tc *trial.T, op string, a, b, expected int) *deferred.Deferred {
	r := tc.Reactor()
	creator := protocol.NewClientCreator(r, func() protocol.IProtocol { return NewRemoteCalculationClient(r) })
	port := s.port.GetHost().(*net.TCPAddr).Port
	return creator.ConnectTCP("127.0.0.1", port, 0).AddCallback(func(p any) (any, error) {
		client := p.(*RemoteCalculationClient)
		tc.AddCleanup(func() *deferred.Deferred {
			client.Transport.LoseConnection()
			return client.Lost
		})
		ops := map[string]func(a, b int) *deferred.Deferred{
			"add": client.Add, "subtract": client.Subtract,
			"multiply": client.Multiply, "divide": client.Divide,
		}
		return ops[op](a, b).AddCallback(func(v any) (any, error) {
			tc.Equal(v, expected)
			return nil, nil
		}), nil
	})
}

func (s *RemoteRunCalculationTestCase) TestAdd(tc *trial.T) *deferred.Deferred {
	return s.check(tc, "add", 5, 9, 14)
}

func (s *RemoteRunCalculationTestCase) TestSubtract(tc *trial.T) *deferred.Deferred {
	return s.check(tc, "subtract", 47, 13, 34)
}

func (s *RemoteRunCalculationTestCase) TestMultiply(tc *trial.T) *deferred.Deferred {
	return s.check(tc, "multiply", 7, 3, 21)
}

func (s *RemoteRunCalculationTestCase) TestDivide(tc *trial.T) *deferred.Deferred {
	return s.check(tc, "divide", 84, 10, 8)
}

// Ports the howto's test_remote_2.py RemoteRunCalculationTestCase.
func TestRemoteRunCalculation(t *testing.T) { trial.Suite(t, &RemoteRunCalculationTestCase{}) }
