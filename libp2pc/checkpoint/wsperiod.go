package checkpoint

import (
	"errors"
	"fmt"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
)

// ErrStale is the error (wrapped) of an anchor older than its weak
// subjectivity period: the validator set may have changed enough since
// that a chain the anchor's validators signed alone can no longer be told
// from the canonical one. The host may accept it anyway (Options.AllowStale).
var ErrStale = errors.New("checkpoint: anchor outside the weak subjectivity period")

// SafetyDecay is SAFETY_DECAY (specs/phase0/weak-subjectivity.md): the
// largest loss, in percent of the 1/3 safety margin, tolerated over the
// weak subjectivity period.
const SafetyDecay = 10

const ethToGwei = 1_000_000_000

// WeakSubjectivityPeriod is compute_weak_subjectivity_period(st) in epochs:
// phase0's form (validator count churn and balance top-ups) before Electra,
// Electra's (balance churn, EIP-7251) from Electra on.
func WeakSubjectivityPeriod(cfg *config.Config, st *state.BeaconState) uint64 {
	if st.ForkName >= forks.Electra {
		// specs/electra/weak-subjectivity.md
		t := helpers.TotalActiveBalance(st)
		churn := max(cfg.MinPerEpochChurnLimitElectra(), t/cfg.ChurnLimitQuotient)
		delta := churn - churn%config.EffectiveBalanceIncrement // get_balance_churn_limit
		return cfg.MinValidatorWithdrawabilityDelay + SafetyDecay*t/(2*delta*100)
	}
	// specs/phase0/weak-subjectivity.md
	wsPeriod := cfg.MinValidatorWithdrawabilityDelay
	n := uint64(len(helpers.ActiveValidatorIndices(st, helpers.CurrentEpoch(st))))
	if n == 0 {
		return wsPeriod // no active validator: nothing can churn (the spec divides by N)
	}
	t := helpers.TotalActiveBalance(st) / n / ethToGwei
	T := uint64(config.MaxEffectiveBalance / ethToGwei)
	delta := helpers.ValidatorChurnLimit(cfg, st)
	Delta := uint64(config.MaxDeposits * config.SlotsPerEpoch)
	const D = SafetyDecay
	if t*(200+12*D) > T*(200+3*D) {
		forChurn := n * (t*(200+12*D) - T*(200+3*D)) / (600 * delta * (2*t + T))
		forTopUps := n * (200 + 3*D) / (600 * Delta)
		return wsPeriod + max(forChurn, forTopUps)
	}
	return wsPeriod + 3*n*D*t/(200*Delta*(T-t))
}

// CurrentEpoch is the wall-clock epoch of a chain (compute_epoch_at_slot
// of get_current_slot): 0 before genesis.
func CurrentEpoch(cfg *config.Config, genesisTime uint64, now time.Time) uint64 {
	secs := now.Unix()
	if secs < 0 || uint64(secs) < genesisTime || cfg.SecondsPerSlot == 0 {
		return 0
	}
	return (uint64(secs) - genesisTime) / cfg.SecondsPerSlot / config.SlotsPerEpoch
}

// checkWSPeriod is is_within_weak_subjectivity_period for the anchor: the
// current epoch is at most the anchor state's epoch plus its period.
func checkWSPeriod(a *Anchor, currentEpoch uint64) error {
	if currentEpoch > a.Epoch+a.WSPeriod {
		return fmt.Errorf("%w: the checkpoint is at epoch %d, its weak subjectivity period is %d epochs (compute_weak_subjectivity_period), "+
			"and the current epoch is %d: start from a recent finalized checkpoint, or override if you trust this one",
			ErrStale, a.Epoch, a.WSPeriod, currentEpoch)
	}
	return nil
}
