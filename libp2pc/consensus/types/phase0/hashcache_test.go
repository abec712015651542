package phase0

import (
	"math/rand"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

func randRoot(r *rand.Rand) (x [32]byte) {
	r.Read(x[:])
	return
}

func randomState(r *rand.Rand, validators int) *BeaconState {
	s := &BeaconState{
		GenesisTime:                 r.Uint64(),
		GenesisValidatorsRoot:       randRoot(r),
		Slot:                        r.Uint64(),
		Fork:                        &Fork{Epoch: 3},
		LatestBlockHeader:           &BeaconBlockHeader{Slot: 5, BodyRoot: randRoot(r)},
		BlockRoots:                  make([][32]byte, config.SlotsPerHistoricalRoot),
		StateRoots:                  make([][32]byte, config.SlotsPerHistoricalRoot),
		Eth1Data:                    &Eth1Data{DepositCount: 9},
		RandaoMixes:                 make([][32]byte, config.EpochsPerHistoricalVector),
		Slashings:                   make([]uint64, config.EpochsPerSlashingsVector),
		PreviousJustifiedCheckpoint: &Checkpoint{Epoch: 1},
		CurrentJustifiedCheckpoint:  &Checkpoint{Epoch: 2},
		FinalizedCheckpoint:         &Checkpoint{},
	}
	for i := 0; i < validators; i++ {
		s.Validators = append(s.Validators, &Validator{Pubkey: [48]byte{byte(i)}, EffectiveBalance: r.Uint64()})
		s.Balances = append(s.Balances, r.Uint64())
	}
	return s
}

func pending(r *rand.Rand) *PendingAttestation {
	return &PendingAttestation{
		AggregationBits: []byte{byte(r.Intn(255)) | 1, 1},
		Data:            &AttestationData{Slot: r.Uint64(), Source: &Checkpoint{}, Target: &Checkpoint{Root: randRoot(r)}},
		InclusionDelay:  1,
	}
}

// mutate changes s the way state transitions do (and some ways they don't),
// including shrinking lists, which the cache rebuilds.
func mutate(r *rand.Rand, s *BeaconState) {
	switch r.Intn(12) {
	case 0:
		s.Slot++
	case 1:
		s.BlockRoots[r.Intn(len(s.BlockRoots))] = randRoot(r)
	case 2:
		s.StateRoots[r.Intn(len(s.StateRoots))] = randRoot(r)
	case 3:
		s.RandaoMixes[r.Intn(len(s.RandaoMixes))] = randRoot(r)
	case 4:
		s.Balances[r.Intn(len(s.Balances))] = r.Uint64()
	case 5:
		v := s.Validators[r.Intn(len(s.Validators))]
		v.ExitEpoch, v.Slashed = r.Uint64(), !v.Slashed
	case 6:
		s.Validators = append(s.Validators, &Validator{Pubkey: [48]byte{0xee}})
		s.Balances = append(s.Balances, 1)
	case 7:
		s.Eth1DataVotes = append(s.Eth1DataVotes, &Eth1Data{DepositCount: r.Uint64()})
		if len(s.Eth1DataVotes) > config.Eth1DataVotesLimit || r.Intn(4) == 0 {
			s.Eth1DataVotes = nil
		}
	case 8:
		s.CurrentEpochAttestations = append(s.CurrentEpochAttestations, pending(r))
	case 9:
		s.PreviousEpochAttestations, s.CurrentEpochAttestations = s.CurrentEpochAttestations, nil
	case 10:
		s.HistoricalRoots = append(s.HistoricalRoots, randRoot(r))
		s.Slashings[r.Intn(len(s.Slashings))] = r.Uint64()
	case 11:
		s.JustificationBits[0] = byte(r.Intn(16))
		s.FinalizedCheckpoint = &Checkpoint{Epoch: r.Uint64()}
		if len(s.CurrentEpochAttestations) > 0 {
			s.CurrentEpochAttestations[0].AggregationBits[0] ^= 2 // in-place change
		}
	}
}

func TestCachedHashTreeRootMatchesHashTreeRoot(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	s := randomState(r, 50)
	steps := 400
	if config.PresetName == "mainnet" {
		steps = 60 // each uncached mainnet hash is ~20 ms
	}
	for step := 0; step < steps; step++ {
		mutate(r, s)
		if step%7 == 0 {
			s = s.Copy() // copies share the cache
		}
		want, err := s.HashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CachedHashTreeRoot()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("step %d: cached root %x, hash_tree_root %x", step, got, want)
		}
	}
}

// Alternating between two diverging states must stay correct.
func TestCachedHashTreeRootAcrossDivergingCopies(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	a := randomState(r, 20)
	b := a.Copy()
	steps := 100
	if config.PresetName == "mainnet" {
		steps = 20
	}
	for step := 0; step < steps; step++ {
		mutate(r, a)
		mutate(r, b)
		for _, s := range []*BeaconState{a, b} {
			want, _ := s.HashTreeRoot()
			got, err := s.CachedHashTreeRoot()
			if err != nil || got != want {
				t.Fatalf("step %d: cached root %x (%v), want %x", step, got, err, want)
			}
		}
	}
}
