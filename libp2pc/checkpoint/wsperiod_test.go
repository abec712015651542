package checkpoint

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// wsConfig has the mainnet config values the spec's tables assume.
func wsConfig() *config.Config {
	return &config.Config{MinValidatorWithdrawabilityDelay: 256, MinPerEpochChurnLimit: 4, ChurnLimitQuotient: 65536,
		Raw: map[string]string{"MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA": "128000000000"}}
}

// wsState: n active validators of effective balance eth ETH, at epoch 10.
func wsState(fork forks.Fork, n int, eth uint64) *state.BeaconState {
	st := &state.BeaconState{ForkName: fork, Slot: 10 * config.SlotsPerEpoch}
	v := &phase0.Validator{EffectiveBalance: eth * ethToGwei, ExitEpoch: config.FarFutureEpoch, WithdrawableEpoch: config.FarFutureEpoch}
	st.Validators = make([]*phase0.Validator, n)
	for i := range st.Validators {
		st.Validators[i] = v
	}
	return st
}

// The rows of the reference tables in specs/phase0/weak-subjectivity.md
// (average balance, validator count) and specs/electra/weak-subjectivity.md
// (total active balance) that a test builds quickly.
func TestWeakSubjectivityPeriodSpecTables(t *testing.T) {
	cfg := wsConfig()
	for _, tc := range []struct {
		fork     forks.Fork
		n        int
		eth      uint64
		wantEpos uint64
	}{
		{forks.Phase0, 32768, 28, 504},
		{forks.Phase0, 65536, 28, 752},
		{forks.Phase0, 32768, 32, 665},
		{forks.Deneb, 65536, 32, 1075},
		{forks.Electra, 512, 2048, 665},   // 1,048,576 ETH
		{forks.Electra, 1024, 2048, 1075}, // 2,097,152 ETH
		{forks.Electra, 4096, 2048, 3532}, // 8,388,608 ETH
		{forks.Fulu, 8192, 2048, 3532},    // 16,777,216 ETH
	} {
		if got := WeakSubjectivityPeriod(cfg, wsState(tc.fork, tc.n, tc.eth)); got != tc.wantEpos {
			t.Errorf("%s, %d validators of %d ETH: %d epochs, the spec's table has %d", tc.fork, tc.n, tc.eth, got, tc.wantEpos)
		}
	}
	// Phase0's other branch (average balance far below MAX_EFFECTIVE_BALANCE):
	// 256 + 3*N*D*t // (200*Delta*(T-t)) with N = 32768, t = 16, T = 32,
	// Delta = MAX_DEPOSITS * SLOTS_PER_EPOCH (512 mainnet, 128 minimal).
	want := map[uint64]uint64{32: 256 + 9, 8: 256 + 38}[config.SlotsPerEpoch]
	if got := WeakSubjectivityPeriod(cfg, wsState(forks.Phase0, 32768, 16)); got != want {
		t.Errorf("16 ETH average: %d epochs, want %d", got, want)
	}
	// No active validator: MIN_VALIDATOR_WITHDRAWABILITY_DELAY (the spec would divide by zero).
	if got := WeakSubjectivityPeriod(cfg, wsState(forks.Phase0, 0, 32)); got != 256 {
		t.Errorf("no validators: %d", got)
	}
}

// Load refuses an anchor whose epoch plus its period is behind the wall
// clock (is_within_weak_subjectivity_period), names the numbers, and
// accepts it when the host overrides.
func TestLoadRefusesStaleAnchor(t *testing.T) {
	f := getFixture(t)
	spe := uint64(config.SlotsPerEpoch)
	st, blk := f.ssz(t, spe) // the anchor: epoch 1, genesis_time 0
	cfg := *f.cfg
	cfg.SecondsPerSlot = 12
	net := f.net
	net.Config = &cfg
	atEpoch := func(e uint64) func() time.Time {
		return func() time.Time { return time.Unix(int64(e*spe*12), 0) }
	}
	// 64 validators of 32 ETH: neither churn nor top-ups add a whole epoch.
	const period = 256
	a, err := Load(context.Background(), Options{Network: net, StateSSZ: st, Block: blk, Now: atEpoch(1 + period)})
	if err != nil {
		t.Fatalf("at the last epoch of the period: %v", err)
	}
	if a.WSPeriod != period || a.Stale {
		t.Fatalf("anchor: period %d, stale %v", a.WSPeriod, a.Stale)
	}
	_, err = Load(context.Background(), Options{Network: net, StateSSZ: st, Block: blk, Now: atEpoch(2 + period)})
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "epoch 1") || !strings.Contains(err.Error(), "256 epochs") ||
		!strings.Contains(err.Error(), "current epoch is 258") {
		t.Fatalf("one epoch past the period: %v", err)
	}
	// Today's clock: genesis_time 0 is decades ago.
	if _, err := Load(context.Background(), Options{Network: net, StateSSZ: st, Block: blk}); !errors.Is(err, ErrStale) {
		t.Fatalf("now: %v", err)
	}
	a, err = Load(context.Background(), Options{Network: net, StateSSZ: st, Block: blk, AllowStale: true})
	if err != nil || !a.Stale || a.BlockRoot != f.roots[spe] {
		t.Fatalf("override: %+v, %v", a, err)
	}
}
