package state

import (
	"reflect"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/fulu"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// The incremental hash of altair+ states equals the generated code's full
// hash through a sequence of edits, on copies that share the cache and
// diverge (a cache that is stale in any field would show here).
func TestCachedHashTreeRootUnderEdits(t *testing.T) {
	for _, f := range forks.All() {
		if f == forks.Phase0 {
			continue
		}
		t.Run(f.String(), func(t *testing.T) {
			obj := stateContainers()[f]()
			new(filler).fill(reflect.ValueOf(obj).Elem(), nil, nil, 0, false)
			raw, err := obj.MarshalSSZ()
			if err != nil {
				t.Fatal(err)
			}
			s, err := Decode(f, raw)
			if err != nil {
				t.Fatal(err)
			}
			check := func(step string, st *BeaconState) {
				t.Helper()
				got, err := st.HashTreeRoot()
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				want, err := st.FullHashTreeRoot()
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				if got != want {
					t.Fatalf("%s: cached root %x, full root %x", step, got, want)
				}
			}
			check("decoded", s)
			edits := []struct {
				name string
				fn   func(st *BeaconState)
			}{
				{"slot", func(st *BeaconState) { st.Slot++ }},
				{"block root", func(st *BeaconState) { st.BlockRoots[1][3]++ }},
				{"state root", func(st *BeaconState) { st.StateRoots[0][0]++ }},
				{"randao", func(st *BeaconState) { st.RandaoMixes[len(st.RandaoMixes)-1][31]++ }},
				{"balance", func(st *BeaconState) { st.Balances[len(st.Balances)-1]++ }},
				{"validator", func(st *BeaconState) { st.Validators[0].EffectiveBalance++ }},
				{"append validator", func(st *BeaconState) {
					v := *st.Validators[0]
					v.Pubkey[0]++
					st.Validators = append(st.Validators, &v)
					st.Balances = append(st.Balances, 7)
					st.PreviousEpochParticipation = append(st.PreviousEpochParticipation, 1)
					st.CurrentEpochParticipation = append(st.CurrentEpochParticipation, 2)
					st.InactivityScores = append(st.InactivityScores, 3)
				}},
				{"shrink validators", func(st *BeaconState) {
					st.Validators = st.Validators[:1]
					st.Balances = st.Balances[:1]
					st.PreviousEpochParticipation = st.PreviousEpochParticipation[:1]
					st.CurrentEpochParticipation = st.CurrentEpochParticipation[:0]
					st.InactivityScores = st.InactivityScores[:1]
				}},
				{"participation", func(st *BeaconState) { st.PreviousEpochParticipation[0] ^= 7 }},
				{"inactivity", func(st *BeaconState) { st.InactivityScores[0] += 5 }},
				{"slashings", func(st *BeaconState) { st.Slashings[3]++ }},
				{"eth1 votes", func(st *BeaconState) { st.Eth1DataVotes = append(st.Eth1DataVotes, &phase0.Eth1Data{DepositCount: 9}) }},
				{"historical roots", func(st *BeaconState) { st.HistoricalRoots = st.HistoricalRoots[:1] }},
				{"justification", func(st *BeaconState) { st.JustificationBits[0] ^= 3; st.FinalizedCheckpoint.Epoch++ }},
				{"sync committee", func(st *BeaconState) {
					sc := *st.NextSyncCommittee
					sc.Pubkeys = append([][48]byte(nil), sc.Pubkeys...)
					sc.Pubkeys[1][0]++
					st.NextSyncCommittee = &sc
				}},
				{"rotate sync committees", func(st *BeaconState) { st.CurrentSyncCommittee = st.NextSyncCommittee }},
			}
			if f >= forks.Bellatrix {
				edits = append(edits, struct {
					name string
					fn   func(st *BeaconState)
				}{"payload header", func(st *BeaconState) {
					h := *st.LatestExecutionPayloadHeader
					h.BlockNumber++
					st.LatestExecutionPayloadHeader = &h
				}})
			}
			if f >= forks.Capella {
				edits = append(edits, struct {
					name string
					fn   func(st *BeaconState)
				}{"historical summaries", func(st *BeaconState) {
					st.NextWithdrawalIndex++
					st.HistoricalSummaries = append(st.HistoricalSummaries, &capella.HistoricalSummary{BlockSummaryRoot: [32]byte{1}})
				}})
			}
			if f >= forks.Electra {
				edits = append(edits, struct {
					name string
					fn   func(st *BeaconState)
				}{"electra queues", func(st *BeaconState) {
					st.EarliestExitEpoch++
					st.PendingDeposits = st.PendingDeposits[1:]
					st.PendingPartialWithdrawals = append(st.PendingPartialWithdrawals, &electra.PendingPartialWithdrawal{Amount: 1})
					st.PendingConsolidations[0] = &electra.PendingConsolidation{SourceIndex: 4}
				}})
			}
			if f >= forks.Fulu {
				edits = append(edits, struct {
					name string
					fn   func(st *BeaconState)
				}{"lookahead", func(st *BeaconState) { st.ProposerLookahead[len(st.ProposerLookahead)-1]++ }})
			}
			a := s
			for i, e := range edits {
				// Alternate between two copies that share the cache.
				b := a.Copy()
				e.fn(b)
				check(e.name, b)
				check(e.name+" (the copy's origin)", a)
				if i%2 == 0 {
					a = b
				}
			}
		})
	}
}

func stateContainers() map[forks.Fork]func() SSZObject {
	return map[forks.Fork]func() SSZObject{
		forks.Altair:    func() SSZObject { return new(altair.BeaconState) },
		forks.Bellatrix: func() SSZObject { return new(bellatrix.BeaconState) },
		forks.Capella:   func() SSZObject { return new(capella.BeaconState) },
		forks.Deneb:     func() SSZObject { return new(deneb.BeaconState) },
		forks.Electra:   func() SSZObject { return new(electra.BeaconState) },
		forks.Fulu:      func() SSZObject { return new(fulu.BeaconState) },
	}
}
