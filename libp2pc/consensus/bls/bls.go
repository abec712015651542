// Package bls implements the BLS12-381 signature scheme used by the
// consensus specs (IETF BLS signatures, proof-of-possession ciphersuite,
// public keys in G1, signatures in G2) on top of supranational/blst.
//
// Edge cases follow the consensus-specs (phase0 "bls" section and the
// general/bls vectors):
//   - public keys must pass KeyValidate: a valid compressed G1 point, in the
//     subgroup, and not the point at infinity;
//   - signatures must be valid compressed G2 points in the subgroup; the
//     point at infinity is a valid encoding (it is what aggregating nothing
//     would give) but never verifies against a valid key;
//   - FastAggregateVerify and AggregateVerify with no public keys are false;
//   - Aggregate and AggregatePublicKeys of an empty list are errors.
package bls

import (
	"errors"
	"fmt"

	blst "github.com/supranational/blst/bindings/go"
)

// DST is the domain separation tag of the POP ciphersuite used by Ethereum.
var DST = []byte("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_")

const (
	SecretKeyLength = 32
	PublicKeyLength = 48
	SignatureLength = 96
)

// InfinitySignature is the compressed encoding of the G2 point at infinity.
var InfinitySignature = func() [SignatureLength]byte {
	var s [SignatureLength]byte
	s[0] = 0xc0
	return s
}()

// ErrEmpty is returned when aggregating an empty list.
var ErrEmpty = errors.New("bls: nothing to aggregate")

// SecretKey is a BLS secret key.
type SecretKey struct{ sk *blst.SecretKey }

// SecretKeyFromBytes parses a 32-byte big-endian secret key; zero and values
// not below the curve order are rejected.
func SecretKeyFromBytes(b []byte) (*SecretKey, error) {
	if len(b) != SecretKeyLength {
		return nil, fmt.Errorf("bls: secret key must be %d bytes, got %d", SecretKeyLength, len(b))
	}
	sk := new(blst.SecretKey).Deserialize(b)
	if sk == nil || !sk.Valid() {
		return nil, errors.New("bls: invalid secret key (zero or not below the curve order)")
	}
	return &SecretKey{sk: sk}, nil
}

// PublicKey returns the compressed public key of sk.
func (k *SecretKey) PublicKey() [PublicKeyLength]byte {
	var out [PublicKeyLength]byte
	copy(out[:], new(blst.P1Affine).From(k.sk).Compress())
	return out
}

// Sign signs msg.
func (k *SecretKey) Sign(msg []byte) [SignatureLength]byte {
	var out [SignatureLength]byte
	copy(out[:], new(blst.P2Affine).Sign(k.sk, msg, DST).Compress())
	return out
}

// PublicKey is a validated, decompressed public key.
type PublicKey struct{ p *blst.P1Affine }

// PublicKeyFromBytes decompresses and validates (KeyValidate) a public key.
func PublicKeyFromBytes(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeyLength {
		return nil, fmt.Errorf("bls: public key must be %d bytes, got %d", PublicKeyLength, len(b))
	}
	p := new(blst.P1Affine).Uncompress(b)
	if p == nil {
		return nil, errors.New("bls: public key is not a valid compressed G1 point")
	}
	if !p.KeyValidate() {
		return nil, errors.New("bls: public key is the point at infinity or not in the G1 subgroup")
	}
	return &PublicKey{p: p}, nil
}

// Bytes returns the compressed encoding.
func (k *PublicKey) Bytes() [PublicKeyLength]byte {
	var out [PublicKeyLength]byte
	copy(out[:], k.p.Compress())
	return out
}

// Signature is a decompressed, subgroup-checked signature.
type Signature struct{ p *blst.P2Affine }

// SignatureFromBytes decompresses and group-checks a signature. The point at
// infinity is accepted here (it is a valid encoding).
func SignatureFromBytes(b []byte) (*Signature, error) {
	if len(b) != SignatureLength {
		return nil, fmt.Errorf("bls: signature must be %d bytes, got %d", SignatureLength, len(b))
	}
	p := new(blst.P2Affine).Uncompress(b)
	if p == nil {
		return nil, errors.New("bls: signature is not a valid compressed G2 point")
	}
	if !p.SigValidate(false) {
		return nil, errors.New("bls: signature is not in the G2 subgroup")
	}
	return &Signature{p: p}, nil
}

// Bytes returns the compressed encoding.
func (s *Signature) Bytes() [SignatureLength]byte {
	var out [SignatureLength]byte
	copy(out[:], s.p.Compress())
	return out
}

// Verify is the spec's Verify(PK, message, signature): false on any invalid
// encoding.
func Verify(pubkey, msg, sig []byte) bool {
	pk, err := cachedPublicKey(pubkey)
	if err != nil {
		return false
	}
	s, err := SignatureFromBytes(sig)
	if err != nil {
		return false
	}
	return s.p.Verify(false, pk.p, false, msg, DST)
}

// AggregateVerify is the spec's AggregateVerify(PKs, messages, signature).
func AggregateVerify(pubkeys [][]byte, msgs [][]byte, sig []byte) bool {
	if len(pubkeys) == 0 || len(pubkeys) != len(msgs) {
		return false
	}
	pks, err := parsePublicKeys(pubkeys)
	if err != nil {
		return false
	}
	s, err := SignatureFromBytes(sig)
	if err != nil {
		return false
	}
	m := make([]blst.Message, len(msgs))
	for i := range msgs {
		m[i] = msgs[i]
	}
	return s.p.AggregateVerify(false, pks, false, m, DST)
}

// FastAggregateVerify is the spec's FastAggregateVerify(PKs, message,
// signature): all keys signed the same message. False for no keys.
func FastAggregateVerify(pubkeys [][]byte, msg, sig []byte) bool {
	if len(pubkeys) == 0 {
		return false
	}
	pks, err := parsePublicKeys(pubkeys)
	if err != nil {
		return false
	}
	s, err := SignatureFromBytes(sig)
	if err != nil {
		return false
	}
	return s.p.FastAggregateVerify(false, pks, msg, DST)
}

// Aggregate is the spec's Aggregate(signatures).
func Aggregate(sigs [][]byte) ([SignatureLength]byte, error) {
	var out [SignatureLength]byte
	if len(sigs) == 0 {
		return out, ErrEmpty
	}
	agg := new(blst.P2Aggregate)
	for i, b := range sigs {
		s, err := SignatureFromBytes(b)
		if err != nil {
			return out, fmt.Errorf("bls: aggregate: signature %d: %w", i, err)
		}
		agg.Add(s.p, false)
	}
	copy(out[:], agg.ToAffine().Compress())
	return out, nil
}

// AggregatePublicKeys is the spec's eth_aggregate_pubkeys: the sum of the
// validated keys; an empty list is an error.
func AggregatePublicKeys(pubkeys [][]byte) ([PublicKeyLength]byte, error) {
	var out [PublicKeyLength]byte
	if len(pubkeys) == 0 {
		return out, ErrEmpty
	}
	pks, err := parsePublicKeys(pubkeys)
	if err != nil {
		return out, fmt.Errorf("bls: aggregate public keys: %w", err)
	}
	agg := new(blst.P1Aggregate)
	if !agg.Aggregate(pks, false) {
		return out, errors.New("bls: aggregate public keys failed")
	}
	copy(out[:], agg.ToAffine().Compress())
	return out, nil
}

func parsePublicKeys(pubkeys [][]byte) ([]*blst.P1Affine, error) {
	pks := make([]*blst.P1Affine, len(pubkeys))
	for i, b := range pubkeys {
		pk, err := cachedPublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i, err)
		}
		pks[i] = pk.p
	}
	return pks, nil
}
