package helpers

import (
	"encoding/binary"
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Electra's helpers (specs/electra/beacon-chain.md, EIP-7251 and
// EIP-7549) and fulu's proposer lookahead (EIP-7917). The phase0/altair
// versions they modify stay as they are; callers choose by the state's
// fork.

// HasEth1WithdrawalCredential is has_eth1_withdrawal_credential (0x01).
func HasEth1WithdrawalCredential(v *phase0.Validator) bool {
	return v.WithdrawalCredentials[0] == config.EthAddressWithdrawalPrefix
}

// IsCompoundingWithdrawalCredential is is_compounding_withdrawal_credential.
func IsCompoundingWithdrawalCredential(creds [32]byte) bool {
	return creds[0] == config.CompoundingWithdrawalPrefix
}

// HasCompoundingWithdrawalCredential is has_compounding_withdrawal_credential (0x02).
func HasCompoundingWithdrawalCredential(v *phase0.Validator) bool {
	return IsCompoundingWithdrawalCredential(v.WithdrawalCredentials)
}

// HasExecutionWithdrawalCredential is has_execution_withdrawal_credential
// (0x01 or 0x02).
func HasExecutionWithdrawalCredential(v *phase0.Validator) bool {
	return HasEth1WithdrawalCredential(v) || HasCompoundingWithdrawalCredential(v)
}

// MaxEffectiveBalanceElectra is get_max_effective_balance:
// MAX_EFFECTIVE_BALANCE_ELECTRA for compounding validators,
// MIN_ACTIVATION_BALANCE otherwise.
func MaxEffectiveBalanceElectra(v *phase0.Validator) uint64 {
	if HasCompoundingWithdrawalCredential(v) {
		return config.MaxEffectiveBalanceElectra
	}
	return config.MinActivationBalance
}

// IsEligibleForActivationQueueElectra is electra's
// is_eligible_for_activation_queue (MIN_ACTIVATION_BALANCE or more).
func IsEligibleForActivationQueueElectra(v *phase0.Validator) bool {
	return v.ActivationEligibilityEpoch == config.FarFutureEpoch && v.EffectiveBalance >= config.MinActivationBalance
}

// IsEligibleForPartialWithdrawals is is_eligible_for_partial_withdrawals.
func IsEligibleForPartialWithdrawals(v *phase0.Validator, balance uint64) bool {
	return v.ExitEpoch == config.FarFutureEpoch && v.EffectiveBalance >= config.MinActivationBalance && balance > config.MinActivationBalance
}

// randomValue16 is electra's 16-bit random value of sample i:
// bytes_to_uint64(hash(seed + uint_to_bytes(i // 16))[i % 16 * 2 : +2]).
// hashed caches the hash of block i/16; it is recomputed when i%16 == 0 or
// when fresh is set.
func randomValue16(seed [32]byte, i uint64, hashed *[32]byte, fresh bool) uint64 {
	if fresh || i%16 == 0 {
		*hashed = Hash(seed[:], uint64Bytes(i/16))
	}
	off := i % 16 * 2
	return uint64(binary.LittleEndian.Uint16(hashed[off : off+2]))
}

const maxRandomValue16 = 1<<16 - 1

// ComputeProposerIndexElectra is electra's compute_proposer_index: like
// phase0's, with a 16-bit random value and MAX_EFFECTIVE_BALANCE_ELECTRA.
func ComputeProposerIndexElectra(s State, indices []uint64, seed [32]byte) (uint64, error) {
	if len(indices) == 0 {
		return 0, fmt.Errorf("compute_proposer_index: no active validators")
	}
	total := uint64(len(indices))
	vals := s.GetValidators()
	var hashed [32]byte
	shuffler := newIndexShuffler(total, seed)
	for i := uint64(0); ; i++ {
		candidate := indices[shuffler.shuffled(i%total)]
		r := randomValue16(seed, i, &hashed, i == 0)
		if vals[candidate].EffectiveBalance*maxRandomValue16 >= config.MaxEffectiveBalanceElectra*r {
			return candidate, nil
		}
	}
}

// BeaconProposerIndexElectra is get_beacon_proposer_index of electra (the
// phase0 function with electra's compute_proposer_index).
func BeaconProposerIndexElectra(s State) (uint64, error) {
	epoch := CurrentEpoch(s)
	seed := Seed(s, epoch, config.DomainBeaconProposer)
	seed = Hash(seed[:], uint64Bytes(s.GetSlot()))
	return ComputeProposerIndexElectra(s, ActiveValidatorIndices(s, epoch), seed)
}

// BeaconProposerIndices is fulu's get_beacon_proposer_indices: the
// proposer of every slot of epoch (compute_proposer_indices), computed from
// the state as it is.
func BeaconProposerIndices(s State, epoch uint64) ([]uint64, error) {
	indices := ActiveValidatorIndices(s, epoch)
	seed := Seed(s, epoch, config.DomainBeaconProposer)
	start := ComputeStartSlotAtEpoch(epoch)
	out := make([]uint64, config.SlotsPerEpoch)
	for i := range out {
		slotSeed := Hash(seed[:], uint64Bytes(start+uint64(i)))
		p, err := ComputeProposerIndexElectra(s, indices, slotSeed)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// NextSyncCommitteeIndicesElectra is electra's
// get_next_sync_committee_indices (16-bit random values,
// MAX_EFFECTIVE_BALANCE_ELECTRA).
func NextSyncCommitteeIndicesElectra(s State) ([]uint64, error) {
	epoch := CurrentEpoch(s) + 1
	active := ActiveValidatorIndices(s, epoch)
	n := uint64(len(active))
	if n == 0 {
		return nil, fmt.Errorf("get_next_sync_committee_indices: no active validators at epoch %d", epoch)
	}
	seed := Seed(s, epoch, config.DomainSyncCommittee)
	vals := s.GetValidators()
	out := make([]uint64, 0, config.SyncCommitteeSize)
	perm := cachedPermutation(n, seed)
	var hashed [32]byte
	for i := uint64(0); uint64(len(out)) < config.SyncCommitteeSize; i++ {
		candidate := active[perm[i%n]]
		r := randomValue16(seed, i, &hashed, i == 0)
		if vals[candidate].EffectiveBalance*maxRandomValue16 >= config.MaxEffectiveBalanceElectra*r {
			out = append(out, candidate)
		}
	}
	return out, nil
}

// CommitteeIndices is get_committee_indices: the set bits of an SSZ
// bitvector of MAX_COMMITTEES_PER_SLOT bits, in order.
func CommitteeIndices(bits []byte) []uint64 {
	var out []uint64
	for i := uint64(0); i < config.MaxCommitteesPerSlot && i/8 < uint64(len(bits)); i++ {
		if bits[i/8]>>(i%8)&1 == 1 {
			out = append(out, i)
		}
	}
	return out
}

// BitlistBit reports bit i of an SSZ bitlist (false beyond its length).
func BitlistBit(bits []byte, i uint64) bool {
	return i/8 < uint64(len(bits)) && bits[i/8]>>(i%8)&1 == 1
}
