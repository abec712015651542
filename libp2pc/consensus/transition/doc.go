// Package transition implements the phase0 beacon-chain state transition of
// consensus-specs specs/phase0/beacon-chain.md: process_slots,
// process_epoch and process_block with all the operations.
//
// StateTransition never modifies the state it is given: it works on a copy
// and returns the post-state, or an error (a *RuleError for an invalid block)
// naming the rule that failed. The Process* functions operate in place, as
// the spec's functions do, and are exported for the spec-test runners and
// for callers that manage copies themselves.
package transition

import "fmt"

// RuleError reports a block or operation that breaks a consensus rule. Fn is
// the spec function whose assertion failed, Rule describes the assertion.
type RuleError struct {
	Fn   string
	Rule string
}

func (e *RuleError) Error() string { return e.Fn + ": " + e.Rule }

func invalid(fn, format string, args ...any) error {
	return &RuleError{Fn: fn, Rule: fmt.Sprintf(format, args...)}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
