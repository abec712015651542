package bls

import "sync"

// Validator public keys are decompressed again and again (every attestation
// names up to MAX_VALIDATORS_PER_COMMITTEE of them); decompression plus the
// subgroup check costs far more than the pairing share of one key, so valid
// keys are kept, decompressed, for the life of the process. The set of keys
// is bounded by the validator registry. Invalid encodings are not cached.
var pubkeyCache sync.Map // [PublicKeyLength]byte -> *PublicKey

func cachedPublicKey(b []byte) (*PublicKey, error) {
	if len(b) == PublicKeyLength {
		var k [PublicKeyLength]byte
		copy(k[:], b)
		if v, ok := pubkeyCache.Load(k); ok {
			return v.(*PublicKey), nil
		}
		pk, err := PublicKeyFromBytes(b)
		if err != nil {
			return nil, err
		}
		pubkeyCache.Store(k, pk)
		return pk, nil
	}
	return PublicKeyFromBytes(b)
}
