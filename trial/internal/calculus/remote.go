package calculus

import (
	"strconv"
	"strings"

	deferred "github.com/gotwisted/twisted/defer"
	"github.com/gotwisted/twisted/failure"
	"github.com/gotwisted/twisted/protocol"
	"github.com/gotwisted/twisted/protocol/basic"
)

// RemoteCalculationProtocol is remote_2.py's protocol: each line "op a b" is answered with
// the result, or with "error" (and a logged error) when the arguments are not integers.
type RemoteCalculationProtocol struct {
	basic.LineReceiver
	calc Calculation
}

// NewRemoteCalculationProtocol returns a protocol ready to be connected.
func NewRemoteCalculationProtocol() *RemoteCalculationProtocol {
	p := &RemoteCalculationProtocol{}
	p.Handler = p
	return p
}

// LineReceived runs one operation.
func (p *RemoteCalculationProtocol) LineReceived(line []byte) {
	fields := strings.Fields(string(line))
	var op func(a, b int) (int, error)
	if len(fields) == 3 {
		op = p.calc.Op(fields[0])
	}
	if op == nil {
		p.fail(&TypeError{Args: fields})
		return
	}
	a, errA := strconv.Atoi(fields[1])
	b, errB := strconv.Atoi(fields[2])
	if errA != nil || errB != nil {
		p.fail(&TypeError{Args: fields[1:]})
		return
	}
	result, err := op(a, b)
	if err != nil {
		p.fail(err)
		return
	}
	p.SendLine([]byte(strconv.Itoa(result)))
}

// fail logs err (Twisted's log.err()) and answers "error".
func (p *RemoteCalculationProtocol) fail(err error) {
	deferred.LogError(failure.New(err))
	p.SendLine([]byte("error"))
}

// NewRemoteCalculationFactory returns remote_2.py's RemoteCalculationFactory.
func NewRemoteCalculationFactory() *protocol.Factory {
	return protocol.ForProtocol(func() protocol.IProtocol { return NewRemoteCalculationProtocol() })
}
