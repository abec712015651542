package transition

import (
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// SSZ decoding always fills every nested container, but Go callers can
// build values by hand; these checks turn a missing (nil) container into a
// RuleError instead of a nil-pointer panic, which would take down a host
// process calling through the C interface.

func incomplete(fn, what string) error { return invalid(fn, "%s is missing", what) }

func checkHeaderShape(fn string, h *phase0.SignedBeaconBlockHeader, what string) error {
	if h == nil || h.Message == nil {
		return incomplete(fn, what)
	}
	return nil
}

func checkDataShape(fn string, d *phase0.AttestationData, what string) error {
	if d == nil || d.Source == nil || d.Target == nil {
		return incomplete(fn, what+" data (or its source/target checkpoint)")
	}
	return nil
}

func checkProposerSlashingShape(op *phase0.ProposerSlashing) error {
	const fn = "process_proposer_slashing"
	if op == nil {
		return incomplete(fn, "proposer slashing")
	}
	if err := checkHeaderShape(fn, op.SignedHeader1, "signed_header_1"); err != nil {
		return err
	}
	return checkHeaderShape(fn, op.SignedHeader2, "signed_header_2")
}

func checkAttesterSlashingShape(op *phase0.AttesterSlashing) error {
	const fn = "process_attester_slashing"
	if op == nil || op.Attestation1 == nil || op.Attestation2 == nil {
		return incomplete(fn, "attester slashing attestation")
	}
	if err := checkDataShape(fn, op.Attestation1.Data, "attestation_1"); err != nil {
		return err
	}
	return checkDataShape(fn, op.Attestation2.Data, "attestation_2")
}

func checkAttestationShape(a *phase0.Attestation) error {
	if a == nil {
		return incomplete("process_attestation", "attestation")
	}
	return checkDataShape("process_attestation", a.Data, "attestation")
}

func checkDepositShape(d *phase0.Deposit) error {
	if d == nil || d.Data == nil {
		return incomplete("process_deposit", "deposit data")
	}
	return nil
}

func checkExitShape(e *phase0.SignedVoluntaryExit) error {
	if e == nil || e.Message == nil {
		return incomplete("process_voluntary_exit", "voluntary exit message")
	}
	return nil
}

// checkBlockShape checks the whole block before anything hashes it
// (fastssz's hashing would silently replace a nil container by a zero one).
func checkBlockShape(b *state.BeaconBlock) error {
	if b == nil || b.Body == nil || b.Body.Eth1Data == nil {
		return incomplete("process_block", "block, body or eth1_data")
	}
	body := b.Body
	if b.ForkName >= forks.Altair && body.SyncAggregate == nil {
		return incomplete("process_block", "sync_aggregate")
	}
	if b.ForkName >= forks.Bellatrix && body.ExecutionPayload == nil {
		return incomplete("process_block", "execution_payload")
	}
	for _, op := range body.ProposerSlashings {
		if err := checkProposerSlashingShape(op); err != nil {
			return err
		}
	}
	for _, op := range body.AttesterSlashings {
		if err := checkAttesterSlashingShape(op); err != nil {
			return err
		}
	}
	for _, op := range body.Attestations {
		if err := checkAttestationShape(op); err != nil {
			return err
		}
	}
	for _, op := range body.ElectraAttesterSlashings {
		if err := checkAttesterSlashingShape(phase0AttesterSlashing(op)); err != nil {
			return err
		}
	}
	for _, op := range body.ElectraAttestations {
		if op == nil {
			return incomplete("process_attestation", "attestation")
		}
		if err := checkDataShape("process_attestation", op.Data, "attestation"); err != nil {
			return err
		}
	}
	// The attestations and attester slashings of a block are in the shape of
	// its fork: the other shape would be processed but not hashed.
	if b.ForkName >= forks.Electra {
		if len(body.Attestations) > 0 || len(body.AttesterSlashings) > 0 {
			return invalid("process_block", "a %s block carries pre-electra attestations or attester slashings", b.ForkName)
		}
		if err := checkExecutionRequestsShape(body.ExecutionRequests); err != nil {
			return err
		}
	} else if len(body.ElectraAttestations) > 0 || len(body.ElectraAttesterSlashings) > 0 || body.ExecutionRequests != nil {
		return invalid("process_block", "a %s block carries electra attestations, attester slashings or execution requests", b.ForkName)
	}
	for _, op := range body.Deposits {
		if err := checkDepositShape(op); err != nil {
			return err
		}
	}
	for _, op := range body.VoluntaryExits {
		if err := checkExitShape(op); err != nil {
			return err
		}
	}
	for _, op := range body.BLSToExecutionChanges {
		if op == nil || op.Message == nil {
			return incomplete("process_bls_to_execution_change", "bls to execution change message")
		}
	}
	if body.ExecutionPayload != nil {
		for _, w := range body.ExecutionPayload.Withdrawals {
			if w == nil {
				return incomplete("process_withdrawals", "withdrawal")
			}
		}
	}
	return nil
}

func checkExecutionRequestsShape(r *electra.ExecutionRequests) error {
	const fn = "process_operations"
	if r == nil {
		return incomplete(fn, "execution_requests")
	}
	for _, d := range r.Deposits {
		if d == nil {
			return incomplete("process_deposit_request", "deposit request")
		}
	}
	for _, w := range r.Withdrawals {
		if w == nil {
			return incomplete("process_withdrawal_request", "withdrawal request")
		}
	}
	for _, c := range r.Consolidations {
		if c == nil {
			return incomplete("process_consolidation_request", "consolidation request")
		}
	}
	return nil
}
