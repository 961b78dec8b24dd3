// Package calculus is the example project of Twisted's trial howto, "Test-driven
// development with Twisted" (twisted-doc's howto/trial.rst and its listings/trial/calculus),
// ported to Go: a Calculation, a line-based server that exposes it, and a client with a
// timeout. docs/trial.md walks through it; the _test.go files are the howto's tests, run
// by go test with package trial.
package calculus

import (
	"errors"
	"fmt"
)

// ErrDivisionByZero is what Divide returns for a zero divisor (Python raises
// ZeroDivisionError).
var ErrDivisionByZero = errors.New("integer division by zero")

// Calculation is base_3.py's Calculation: four integer operations.
type Calculation struct{}

// Add returns a + b.
func (Calculation) Add(a, b int) (int, error) { return a + b, nil }

// Subtract returns a - b.
func (Calculation) Subtract(a, b int) (int, error) { return a - b, nil }

// Multiply returns a * b.
func (Calculation) Multiply(a, b int) (int, error) { return a * b, nil }

// Divide returns a divided by b, rounded down like Python's //.
func (Calculation) Divide(a, b int) (int, error) {
	if b == 0 {
		return 0, ErrDivisionByZero
	}
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q, nil
}

// Op returns the operation called name ("add", "subtract", "multiply", "divide"), or nil:
// the CalculationProxy's remote_* lookup.
func (c Calculation) Op(name string) func(a, b int) (int, error) {
	switch name {
	case "add":
		return c.Add
	case "subtract":
		return c.Subtract
	case "multiply":
		return c.Multiply
	case "divide":
		return c.Divide
	}
	return nil
}

// TypeError is base_3.py's TypeError: arguments that are not integers.
type TypeError struct {
	Args []string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("Couldn't coerce arguments to integers: %q", e.Args)
}
