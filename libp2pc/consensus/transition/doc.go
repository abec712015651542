// Package transition implements the beacon-chain state transition of
// consensus-specs, for phase0, altair, bellatrix, capella, deneb, electra
// and fulu (specs/<fork>/beacon-chain.md and fork.md): process_slots,
// process_epoch, process_block with every operation, and the fork
// upgrades.
//
// # Entry points
//
//   - Transition: state_transition for any implemented fork, on a copy of
//     the pre-state (never modified); returns a Result (post-state, and
//     whether an execution payload was accepted optimistically) or an
//     error: a *RuleError naming the rule a block breaks, or an error
//     wrapping ErrForkNotImplemented.
//   - AdvanceSlots: process_slots in place, across forks: at the first slot
//     of each fork epoch the config schedules (ALTAIR_FORK_EPOCH, ...), the
//     state is upgraded (Upgrade), so one call handles any slot range.
//   - The sub-steps callers run on their own (steps.go): ProcessBlock,
//     VerifyBlockSignature (the pipeline's proposer check),
//     ProcessEpoch, ProcessOperation and ProcessEpochStep (one spec
//     function at a time, as the operations and epoch_processing vectors
//     run them), AttestationDeltasOf. The phase0-typed wrappers the phase0
//     tests use (StateTransition on phase0 containers, ...) are test
//     helpers in libp2pc/internal/phase0transition.
//
// The Process* functions operate in place, as the spec's functions do.
//
// # The multi-fork frame
//
// Every function works on *state.BeaconState, one representation for all
// forks tagged with its fork (see package state). What differs per fork
// is in the table of forks.go: for each fork, its upgrade function
// (upgrade_to_<fork>), its process_epoch steps and its process_block steps,
// in the spec's order. A nil entry is a fork not implemented; every entry
// point then fails with ErrForkNotImplemented. Small per-fork changes
// inside shared functions (quotients, the slashing reward split, altair's
// participation flags in process_attestation, the extra registry entries
// of a new validator) are selected with `s.ForkName >= forks.X`, and the
// fork-dependent constants are the small switch functions of forks.go.
//
// Execution payloads (bellatrix and later) are judged by an
// ExecutionEngine given in Options; without one, a payload that passes the
// consensus checks is accepted and Result.Optimistic is set.
//
// Electra (electra.go, electra_ops.go) and fulu (fulu.go) follow the
// pattern below. Fulu is the fork as deployed (consensus-specs v1.6): the
// later removal of eth1-bridge deposits from fulu (consensus-specs #4704)
// is not applied, as the vectors require.
//
// # Adding a fork
//
//  1. package state: fields, conversions and block body (see its doc).
//  2. Here: upgradeTo<Fork> (upgrade.go, or the fork's own file as
//     capella.go and deneb.go do); new epoch steps (e.g. capella's
//     process_historical_summaries_update replaces
//     process_historical_roots_update) and block steps (process_withdrawals,
//     bls_to_execution_changes in processOperations, ...); register them in
//     the init of forks.go; extend the parameter switches (e.g. electra's
//     quotients); branch with `s.ForkName >= forks.X` where the fork changes
//     a shared rule.
//  3. spectest runs the fork's vectors as soon as Implemented(fork) is
//     true (stf_test.go); nothing to add there.
//
// Known limit: states of altair and later forks are hashed in full on each
// slot (phase0 ones incrementally); fine for the minimal preset, a cached
// hasher is needed for mainnet-sized registries (state.BeaconState.HashTreeRoot).
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
