package calculus

import (
	"testing"

	"github.com/gotwisted/twisted/trial"
)

// CalculationTestCase is the howto's test_base_2b.py: a synchronous suite with a setUp and
// a helper shared by the tests.
type CalculationTestCase struct {
	calc Calculation
}

func (s *CalculationTestCase) SetUp(tc *trial.T) { s.calc = Calculation{} }

func (s *CalculationTestCase) check(tc *trial.T, op func(a, b int) (int, error), a, b, expected int) {
	result, err := op(a, b)
	tc.NoError(err)
	tc.Equal(result, expected)
}

func (s *CalculationTestCase) TestAdd(tc *trial.T)      { s.check(tc, s.calc.Add, 3, 8, 11) }
func (s *CalculationTestCase) TestSubtract(tc *trial.T) { s.check(tc, s.calc.Subtract, 7, 3, 4) }
func (s *CalculationTestCase) TestMultiply(tc *trial.T) { s.check(tc, s.calc.Multiply, 6, 9, 54) }
func (s *CalculationTestCase) TestDivide(tc *trial.T)   { s.check(tc, s.calc.Divide, 12, 5, 2) }

// TestDivideRoundsDown checks Python's floor division for negative operands.
func (s *CalculationTestCase) TestDivideRoundsDown(tc *trial.T) {
	s.check(tc, s.calc.Divide, -7, 2, -4)
	_, err := s.calc.Divide(1, 0)
	tc.ErrorIs(err, ErrDivisionByZero)
}

// Ports the howto's test_base_2b.py CalculationTestCase.
func TestCalculation(t *testing.T) { trial.SyncSuite(t, &CalculationTestCase{}) }
