package bls

import (
	"crypto/rand"
	"errors"
	"fmt"

	blst "github.com/supranational/blst/bindings/go"
)

// SignatureSet is one signature to check: the public keys whose aggregate
// signed Message (one key for a plain signature), and a description used in
// errors (e.g. "attestation 3").
type SignatureSet struct {
	PublicKeys  [][]byte
	Message     [32]byte
	Signature   []byte
	Description string
}

// Batch collects signature sets (for example all the signatures of a block)
// and verifies them together with one multi-pairing, using random 64-bit
// scalars so that invalid signatures cannot cancel each other out.
type Batch struct {
	sets []SignatureSet
}

// Add queues a set.
func (b *Batch) Add(s SignatureSet) { b.sets = append(b.sets, s) }

// Len returns the number of queued sets.
func (b *Batch) Len() int { return len(b.sets) }

// Verify checks every queued set. An empty batch is valid. On failure it
// re-checks the sets one by one so the error names the first bad one.
func (b *Batch) Verify() error {
	if len(b.sets) == 0 {
		return nil
	}
	sigs := make([]*blst.P2Affine, len(b.sets))
	pks := make([]*blst.P1Affine, len(b.sets))
	msgs := make([]blst.Message, len(b.sets))
	for i, s := range b.sets {
		sig, err := SignatureFromBytes(s.Signature)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Description, err)
		}
		pk, err := aggregateKeys(s.PublicKeys)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Description, err)
		}
		sigs[i], pks[i], msgs[i] = sig.p, pk, s.Message[:]
	}
	randFn := func(sc *blst.Scalar) {
		// Only the low randBits (64) bits are used as the scalar.
		var r [32]byte
		if _, err := rand.Read(r[:]); err != nil {
			panic("bls: no randomness: " + err.Error())
		}
		sc.FromBEndian(r[:])
	}
	ok := new(blst.P2Affine).MultipleAggregateVerify(sigs, false, pks, false, msgs, DST, randFn, 64)
	if ok {
		return nil
	}
	for i, s := range b.sets {
		if !sigs[i].Verify(false, pks[i], false, msgs[i], DST) {
			return fmt.Errorf("%s: invalid signature", s.Description)
		}
	}
	return errors.New("bls: batch verification failed but every set verifies alone")
}

func aggregateKeys(pubkeys [][]byte) (*blst.P1Affine, error) {
	if len(pubkeys) == 0 {
		return nil, errors.New("bls: signature set without public keys")
	}
	pks, err := parsePublicKeys(pubkeys)
	if err != nil {
		return nil, err
	}
	if len(pks) == 1 {
		return pks[0], nil
	}
	agg := new(blst.P1Aggregate)
	if !agg.Aggregate(pks, false) {
		return nil, errors.New("bls: aggregate public keys failed")
	}
	return agg.ToAffine(), nil
}
