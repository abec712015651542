package helpers

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Hash is the spec's hash (SHA-256).
func Hash(data ...[]byte) [32]byte {
	h := sha256.New()
	for _, d := range data {
		h.Write(d)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func uint64Bytes(v uint64) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return b[:]
}

// ComputeEpochAtSlot is compute_epoch_at_slot.
func ComputeEpochAtSlot(slot uint64) uint64 { return slot / config.SlotsPerEpoch }

// ComputeStartSlotAtEpoch is compute_start_slot_at_epoch.
func ComputeStartSlotAtEpoch(epoch uint64) uint64 { return epoch * config.SlotsPerEpoch }

// ComputeActivationExitEpoch is compute_activation_exit_epoch.
func ComputeActivationExitEpoch(epoch uint64) uint64 { return epoch + 1 + config.MaxSeedLookahead }

// CurrentEpoch is get_current_epoch.
func CurrentEpoch(s State) uint64 { return ComputeEpochAtSlot(s.GetSlot()) }

// PreviousEpoch is get_previous_epoch.
func PreviousEpoch(s State) uint64 {
	e := CurrentEpoch(s)
	if e == config.GenesisEpoch {
		return config.GenesisEpoch
	}
	return e - 1
}

// IsActiveValidator is is_active_validator.
func IsActiveValidator(v *phase0.Validator, epoch uint64) bool {
	return v.ActivationEpoch <= epoch && epoch < v.ExitEpoch
}

// IsSlashableValidator is is_slashable_validator.
func IsSlashableValidator(v *phase0.Validator, epoch uint64) bool {
	return !v.Slashed && v.ActivationEpoch <= epoch && epoch < v.WithdrawableEpoch
}

// IsEligibleForActivationQueue is is_eligible_for_activation_queue.
func IsEligibleForActivationQueue(v *phase0.Validator) bool {
	return v.ActivationEligibilityEpoch == config.FarFutureEpoch && v.EffectiveBalance == config.MaxEffectiveBalance
}

// IsEligibleForActivation is is_eligible_for_activation.
func IsEligibleForActivation(s State, v *phase0.Validator) bool {
	return v.ActivationEligibilityEpoch <= s.GetFinalizedCheckpoint().Epoch && v.ActivationEpoch == config.FarFutureEpoch
}

// IsSlashableAttestationData is is_slashable_attestation_data (double vote
// or surround vote).
func IsSlashableAttestationData(d1, d2 *phase0.AttestationData) bool {
	doubleVote := !attestationDataEqual(d1, d2) && d1.Target.Epoch == d2.Target.Epoch
	surround := d1.Source.Epoch < d2.Source.Epoch && d2.Target.Epoch < d1.Target.Epoch
	return doubleVote || surround
}

func attestationDataEqual(a, b *phase0.AttestationData) bool {
	return a.Slot == b.Slot && a.Index == b.Index && a.BeaconBlockRoot == b.BeaconBlockRoot &&
		*a.Source == *b.Source && *a.Target == *b.Target
}

// ActiveValidatorIndices is get_active_validator_indices.
func ActiveValidatorIndices(s State, epoch uint64) []uint64 {
	out := make([]uint64, 0, len(s.GetValidators()))
	for i, v := range s.GetValidators() {
		if IsActiveValidator(v, epoch) {
			out = append(out, uint64(i))
		}
	}
	return out
}

// BlockRootAtSlot is get_block_root_at_slot.
func BlockRootAtSlot(s State, slot uint64) ([32]byte, error) {
	if !(slot < s.GetSlot() && s.GetSlot() <= slot+config.SlotsPerHistoricalRoot) {
		return [32]byte{}, fmt.Errorf("get_block_root_at_slot: slot %d not in the history of state slot %d", slot, s.GetSlot())
	}
	return s.GetBlockRoots()[slot%config.SlotsPerHistoricalRoot], nil
}

// BlockRoot is get_block_root (the root at the start slot of epoch).
func BlockRoot(s State, epoch uint64) ([32]byte, error) {
	return BlockRootAtSlot(s, ComputeStartSlotAtEpoch(epoch))
}

// RandaoMix is get_randao_mix.
func RandaoMix(s State, epoch uint64) [32]byte {
	return s.GetRandaoMixes()[epoch%config.EpochsPerHistoricalVector]
}

// Seed is get_seed.
func Seed(s State, epoch uint64, domain [4]byte) [32]byte {
	mix := RandaoMix(s, epoch+config.EpochsPerHistoricalVector-config.MinSeedLookahead-1)
	return Hash(domain[:], uint64Bytes(epoch), mix[:])
}

// CommitteeCountPerSlot is get_committee_count_per_slot.
func CommitteeCountPerSlot(s State, epoch uint64) uint64 {
	return committeeCount(uint64(len(ActiveValidatorIndices(s, epoch))))
}

func committeeCount(active uint64) uint64 {
	return max(1, min(config.MaxCommitteesPerSlot, active/config.SlotsPerEpoch/config.TargetCommitteeSize))
}

// BeaconCommittee is get_beacon_committee.
func BeaconCommittee(s State, slot, index uint64) ([]uint64, error) {
	epoch := ComputeEpochAtSlot(slot)
	active := ActiveValidatorIndices(s, epoch)
	perSlot := committeeCount(uint64(len(active)))
	if index >= perSlot {
		return nil, fmt.Errorf("get_beacon_committee: committee index %d >= committees per slot %d", index, perSlot)
	}
	seed := Seed(s, epoch, config.DomainBeaconAttester)
	return ComputeCommittee(active, seed, (slot%config.SlotsPerEpoch)*perSlot+index, perSlot*config.SlotsPerEpoch)
}

// ComputeProposerIndex is compute_proposer_index: sample candidates from the
// shuffled indices, accepting one with probability proportional to its
// effective balance.
func ComputeProposerIndex(s State, indices []uint64, seed [32]byte) (uint64, error) {
	if len(indices) == 0 {
		return 0, fmt.Errorf("compute_proposer_index: no active validators")
	}
	const maxRandomByte = 255
	total := uint64(len(indices))
	shuffler := newIndexShuffler(total, seed)
	for i := uint64(0); ; i++ {
		candidate := indices[shuffler.shuffled(i%total)]
		randomByte := Hash(seed[:], uint64Bytes(i/32))[i%32]
		if s.GetValidators()[candidate].EffectiveBalance*maxRandomByte >= config.MaxEffectiveBalance*uint64(randomByte) {
			return candidate, nil
		}
	}
}

// BeaconProposerIndex is get_beacon_proposer_index.
func BeaconProposerIndex(s State) (uint64, error) {
	epoch := CurrentEpoch(s)
	seed := Seed(s, epoch, config.DomainBeaconProposer)
	seed = Hash(seed[:], uint64Bytes(s.GetSlot()))
	return ComputeProposerIndex(s, ActiveValidatorIndices(s, epoch), seed)
}

// TotalBalance is get_total_balance (at least EFFECTIVE_BALANCE_INCREMENT).
func TotalBalance(s State, indices []uint64) uint64 {
	var sum uint64
	for _, i := range indices {
		sum += s.GetValidators()[i].EffectiveBalance
	}
	return max(config.EffectiveBalanceIncrement, sum)
}

// TotalActiveBalance is get_total_active_balance.
func TotalActiveBalance(s State) uint64 {
	return TotalBalance(s, ActiveValidatorIndices(s, CurrentEpoch(s)))
}

// ValidatorChurnLimit is get_validator_churn_limit.
func ValidatorChurnLimit(cfg *config.Config, s State) uint64 {
	active := uint64(len(ActiveValidatorIndices(s, CurrentEpoch(s))))
	return max(cfg.MinPerEpochChurnLimit, active/cfg.ChurnLimitQuotient)
}

// AttestingIndices is get_attesting_indices: the committee members whose
// aggregation bit is set. bits is an SSZ bitlist (with its length bit).
func AttestingIndices(s State, data *phase0.AttestationData, bits []byte) ([]uint64, error) {
	committee, err := BeaconCommittee(s, data.Slot, data.Index)
	if err != nil {
		return nil, err
	}
	return attestingIndices(committee, bits)
}

func attestingIndices(committee []uint64, bits []byte) ([]uint64, error) {
	n, err := BitlistLen(bits)
	if err != nil {
		return nil, err
	}
	if n != uint64(len(committee)) {
		return nil, fmt.Errorf("aggregation bits length %d != committee size %d", n, len(committee))
	}
	out := make([]uint64, 0, len(committee))
	for i, v := range committee {
		if bits[i/8]>>(i%8)&1 == 1 {
			out = append(out, v)
		}
	}
	return out, nil
}

// BitlistLen returns the number of bits of an SSZ bitlist (the position of
// its delimiting highest bit).
func BitlistLen(bits []byte) (uint64, error) {
	if len(bits) == 0 || bits[len(bits)-1] == 0 {
		return 0, fmt.Errorf("bitlist without its delimiting bit")
	}
	last := bits[len(bits)-1]
	msb := uint64(7)
	for last>>msb == 0 {
		msb--
	}
	return uint64(len(bits)-1)*8 + msb, nil
}

// IndexedAttestation is get_indexed_attestation (indices sorted).
func IndexedAttestation(s State, a *phase0.Attestation) (*phase0.IndexedAttestation, error) {
	idx, err := AttestingIndices(s, a.Data, a.AggregationBits)
	if err != nil {
		return nil, err
	}
	sortUint64(idx)
	return &phase0.IndexedAttestation{AttestingIndices: idx, Data: a.Data, Signature: a.Signature}, nil
}

// State is the read-only view of a beacon state that the helpers need.
// *phase0.BeaconState and the fork-generic *state.BeaconState implement it,
// so the helpers serve every fork.
type State interface {
	GetSlot() uint64
	GetFork() *phase0.Fork
	GetGenesisValidatorsRoot() [32]byte
	GetValidators() []*phase0.Validator
	GetBlockRoots() [][32]byte
	GetRandaoMixes() [][32]byte
	GetFinalizedCheckpoint() *phase0.Checkpoint
}
