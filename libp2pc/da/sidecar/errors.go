// Package sidecar verifies and builds the data-availability sidecars of
// consensus-specs: BlobSidecar (deneb/p2p-interface.md, also electra) and
// DataColumnSidecar (fulu/p2p-interface.md, das-core.md). Everything here
// is a pure function of its inputs: the checks that need the chain (clock,
// finalized slot, parent, proposer signature, first-seen) belong to the
// caller. Verification failures are *Error values carrying the gossip
// verdict (REJECT or IGNORE) and a Reason usable as a counter label.
package sidecar

import (
	"errors"
	"fmt"
)

// Verdict is the gossipsub verdict a failed check asks for.
type Verdict int

const (
	Reject Verdict = iota + 1
	Ignore
)

func (v Verdict) String() string {
	switch v {
	case Reject:
		return "REJECT"
	case Ignore:
		return "IGNORE"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Reason names the rule a sidecar broke.
type Reason int

const (
	ReasonMalformed          Reason = iota + 1 // a required field is missing (nil header)
	ReasonIndexOutOfRange                      // blob index >= max blobs, column index >= NUMBER_OF_COLUMNS
	ReasonNoCommitments                        // data column sidecar for zero blobs
	ReasonTooManyCommitments                   // more commitments than the epoch's blob limit
	ReasonLengthMismatch                       // column, commitments and proofs differ in length
	ReasonWrongSubnet                          // received on another subnet than its index's
	ReasonInclusionProof                       // commitment(s) not included in the header's body root
	ReasonKZGProof                             // KZG proof(s) do not verify
	ReasonKZGInput                             // a cell, commitment or proof is not a valid encoding
	ReasonTooEarly                             // from a future slot (IGNORE)
)

var reasonNames = map[Reason]string{
	ReasonMalformed:          "malformed",
	ReasonIndexOutOfRange:    "index_out_of_range",
	ReasonNoCommitments:      "no_commitments",
	ReasonTooManyCommitments: "too_many_commitments",
	ReasonLengthMismatch:     "length_mismatch",
	ReasonWrongSubnet:        "wrong_subnet",
	ReasonInclusionProof:     "inclusion_proof",
	ReasonKZGProof:           "kzg_proof",
	ReasonKZGInput:           "kzg_input",
	ReasonTooEarly:           "future_slot",
}

func (r Reason) String() string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Error is a failed sidecar check.
type Error struct {
	Verdict Verdict
	Reason  Reason
	Detail  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Verdict, e.Reason, e.Detail)
}

func reject(r Reason, format string, args ...any) *Error {
	return &Error{Verdict: Reject, Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf is the Reason of a sidecar *Error in err's chain, 0 if none.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return 0
}

// VerdictOf is the Verdict of a sidecar *Error in err's chain, 0 if none.
func VerdictOf(err error) Verdict {
	var e *Error
	if errors.As(err, &e) {
		return e.Verdict
	}
	return 0
}
