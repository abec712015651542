package bls

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

func testKey(t *testing.T, seed byte) *SecretKey {
	t.Helper()
	b := sha256.Sum256([]byte{seed})
	b[0] = 0x01 // keep it below the curve order
	sk, err := SecretKeyFromBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

var infinityPubkey = func() []byte {
	b := make([]byte, PublicKeyLength)
	b[0] = 0xc0
	return b
}()

func TestSignVerifyRoundTrip(t *testing.T) {
	sk := testKey(t, 1)
	pk := sk.PublicKey()
	msg := []byte("message")
	sig := sk.Sign(msg)
	if !Verify(pk[:], msg, sig[:]) {
		t.Fatal("valid signature rejected")
	}
	if Verify(pk[:], []byte("other"), sig[:]) {
		t.Fatal("signature over another message accepted")
	}
	other := testKey(t, 2).PublicKey()
	if Verify(other[:], msg, sig[:]) {
		t.Fatal("signature accepted under the wrong key")
	}
}

func TestSecretKeyZeroRejected(t *testing.T) {
	if _, err := SecretKeyFromBytes(make([]byte, 32)); err == nil {
		t.Fatal("zero secret key accepted")
	}
}

// Spec edge cases whose vectors are among the unrecoverable lfs pointers.
func TestInfinityEdgeCases(t *testing.T) {
	msg := bytes.Repeat([]byte{0xab}, 32)
	if _, err := PublicKeyFromBytes(infinityPubkey); err == nil {
		t.Fatal("KeyValidate must reject the infinity public key")
	}
	if Verify(infinityPubkey, msg, InfinitySignature[:]) {
		t.Fatal("infinity pubkey with infinity signature must not verify")
	}
	if _, err := SignatureFromBytes(InfinitySignature[:]); err != nil {
		t.Fatalf("infinity signature is a valid encoding: %v", err)
	}
	sk := testKey(t, 3)
	pk := sk.PublicKey()
	sig := sk.Sign(msg)
	if FastAggregateVerify([][]byte{pk[:], infinityPubkey}, msg, sig[:]) {
		t.Fatal("fast_aggregate_verify with an infinity pubkey must be false")
	}
	if AggregateVerify([][]byte{pk[:], infinityPubkey}, [][]byte{msg, msg}, sig[:]) {
		t.Fatal("aggregate_verify with an infinity pubkey must be false")
	}
	agg, err := Aggregate([][]byte{InfinitySignature[:]})
	if err != nil || agg != InfinitySignature {
		t.Fatalf("aggregate of the infinity signature is infinity, got %x, %v", agg, err)
	}
}

func TestEmptySets(t *testing.T) {
	msg := []byte("m")
	if FastAggregateVerify(nil, msg, InfinitySignature[:]) {
		t.Fatal("fast_aggregate_verify with no pubkeys must be false")
	}
	if AggregateVerify(nil, nil, InfinitySignature[:]) {
		t.Fatal("aggregate_verify with no pubkeys must be false")
	}
	if _, err := Aggregate(nil); err == nil {
		t.Fatal("aggregate of nothing must fail")
	}
	if _, err := AggregatePublicKeys(nil); err == nil {
		t.Fatal("aggregate of no public keys must fail")
	}
	var b Batch
	if err := b.Verify(); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
}

func TestAggregateAndFastAggregateVerify(t *testing.T) {
	msg := []byte("same message")
	var pks, sigs [][]byte
	for i := byte(0); i < 4; i++ {
		sk := testKey(t, 10+i)
		pk := sk.PublicKey()
		sig := sk.Sign(msg)
		pks = append(pks, pk[:])
		sigs = append(sigs, sig[:])
	}
	agg, err := Aggregate(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if !FastAggregateVerify(pks, msg, agg[:]) {
		t.Fatal("aggregate signature rejected")
	}
	if FastAggregateVerify(pks[:3], msg, agg[:]) {
		t.Fatal("aggregate accepted with a missing key")
	}
	aggPk, err := AggregatePublicKeys(pks)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(aggPk[:], msg, agg[:]) {
		t.Fatal("aggregate signature must verify under the aggregate key")
	}
}

func TestBatchNamesTheBadSet(t *testing.T) {
	var b Batch
	for i := byte(0); i < 3; i++ {
		sk := testKey(t, 20+i)
		pk := sk.PublicKey()
		var msg [32]byte
		msg[0] = i
		sig := sk.Sign(msg[:])
		b.Add(SignatureSet{PublicKeys: [][]byte{pk[:]}, Message: msg, Signature: sig[:], Description: "set " + string('a'+i)})
	}
	if err := b.Verify(); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
	b.sets[1].Message[1] = 1
	err := b.Verify()
	if err == nil || err.Error() != "set b: invalid signature" {
		t.Fatalf("want the error to name set b, got %v", err)
	}
}
