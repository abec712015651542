package transition

import (
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// Unit checks of electra's and fulu's rules on synthetic states, with the
// expected values worked out by hand from the spec's functions. (The
// sanity vectors exercise them only lightly: no churn overflow, no
// consolidation reaching its withdrawable epoch, ...)

const eth = uint64(1_000_000_000)

// electraConfig: the minimal config's electra churn values, whatever the
// build's preset.
func electraConfig() *config.Config {
	return &config.Config{
		GenesisForkVersion:               config.Version{0, 0, 0, 1},
		MinValidatorWithdrawabilityDelay: 256,
		ShardCommitteePeriod:             64,
		EjectionBalance:                  16 * eth,
		MinPerEpochChurnLimit:            2,
		ChurnLimitQuotient:               32,
		Raw: map[string]string{
			"MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA":         "64000000000",
			"MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT": "128000000000",
			"ELECTRA_FORK_VERSION":                      "0x05000001",
			"ELECTRA_FORK_EPOCH":                        "0",
			"FULU_FORK_VERSION":                         "0x06000001",
			"FULU_FORK_EPOCH":                           "0",
		},
	}
}

// address of validator i's execution credentials.
func address(i int) [20]byte { return [20]byte{0xaa, byte(i)} }

func credentials(prefix byte, i int) [32]byte {
	var c [32]byte
	c[0] = prefix
	a := address(i)
	copy(c[12:], a[:])
	return c
}

// syntheticState returns a state of fork f at the first slot of epoch
// with n active validators of 32 ETH (0x01 credentials, activated at
// epoch 0), finalized two epochs back.
func syntheticState(f forks.Fork, n int, epoch uint64) *state.BeaconState {
	s := &state.BeaconState{
		ForkName:                     f,
		Slot:                         epoch * config.SlotsPerEpoch,
		Fork:                         &phase0.Fork{},
		LatestBlockHeader:            &phase0.BeaconBlockHeader{},
		BlockRoots:                   make([][32]byte, config.SlotsPerHistoricalRoot),
		StateRoots:                   make([][32]byte, config.SlotsPerHistoricalRoot),
		Eth1Data:                     &phase0.Eth1Data{},
		RandaoMixes:                  make([][32]byte, config.EpochsPerHistoricalVector),
		Slashings:                    make([]uint64, config.EpochsPerSlashingsVector),
		PreviousJustifiedCheckpoint:  &phase0.Checkpoint{},
		CurrentJustifiedCheckpoint:   &phase0.Checkpoint{},
		FinalizedCheckpoint:          &phase0.Checkpoint{Epoch: epoch - 2},
		LatestExecutionPayloadHeader: &deneb.ExecutionPayloadHeader{},
		DepositRequestsStartIndex:    config.UnsetDepositRequestsStartIndex,
	}
	for i := range s.RandaoMixes {
		s.RandaoMixes[i] = [32]byte{byte(i), 0x5e}
	}
	for i := 0; i < n; i++ {
		s.Validators = append(s.Validators, &phase0.Validator{
			Pubkey:                [48]byte{byte(i), byte(i >> 8), 0x77},
			WithdrawalCredentials: credentials(config.EthAddressWithdrawalPrefix, i),
			EffectiveBalance:      32 * eth,
			ExitEpoch:             config.FarFutureEpoch,
			WithdrawableEpoch:     config.FarFutureEpoch,
		})
		s.Balances = append(s.Balances, 32*eth)
	}
	s.PreviousEpochParticipation = make([]byte, n)
	s.CurrentEpochParticipation = make([]byte, n)
	s.InactivityScores = make([]uint64, n)
	committee := &altair.SyncCommittee{Pubkeys: make([][48]byte, config.SyncCommitteeSize)}
	s.CurrentSyncCommittee, s.NextSyncCommittee = committee, committee
	return s
}

func TestElectraChurn(t *testing.T) {
	cfg := electraConfig()
	// 64 x 32 ETH: the balance churn is max(64 ETH, 2048/32 ETH) = 64 ETH,
	// all of it for activations and exits, none for consolidations.
	s := syntheticState(forks.Electra, 64, 100)
	if got := activationExitChurnLimit(cfg, s); got != 64*eth {
		t.Fatalf("activation/exit churn %d", got)
	}
	if got := consolidationChurnLimit(cfg, s); got != 0 {
		t.Fatalf("consolidation churn %d", got)
	}
	// 256 x 32 ETH: 256 ETH, capped at 128 ETH for activations and exits.
	big := syntheticState(forks.Electra, 256, 100)
	if a, c := activationExitChurnLimit(cfg, big), consolidationChurnLimit(cfg, big); a != 128*eth || c != 128*eth {
		t.Fatalf("churn %d / %d", a, c)
	}

	// Exits: the first exit epoch is compute_activation_exit_epoch(100) =
	// 105; two 32 ETH exits fill it, the third goes to 106.
	first := helpers.ComputeActivationExitEpoch(100)
	for i, want := range []uint64{first, first, first + 1} {
		initiateValidatorExit(cfg, s, uint64(i))
		v := s.Validators[i]
		if v.ExitEpoch != want || v.WithdrawableEpoch != want+256 {
			t.Fatalf("exit %d: epoch %d (withdrawable %d), want %d", i, v.ExitEpoch, v.WithdrawableEpoch, want)
		}
	}
	if s.ExitBalanceToConsume != 32*eth || s.EarliestExitEpoch != first+1 {
		t.Fatalf("after 3 exits: %d to consume, earliest %d", s.ExitBalanceToConsume, s.EarliestExitEpoch)
	}
	// 100 ETH more: 68 ETH beyond the 32 left take two more epochs.
	if got := computeExitEpochAndUpdateChurn(cfg, s, 100*eth); got != first+3 || s.ExitBalanceToConsume != 60*eth {
		t.Fatalf("100 ETH exit: epoch %d, %d left", got, s.ExitBalanceToConsume)
	}
	// An exit already initiated is left alone.
	initiateValidatorExit(cfg, s, 0)
	if s.Validators[0].ExitEpoch != first || s.ExitBalanceToConsume != 60*eth {
		t.Fatal("a second initiate_validator_exit changed the state")
	}

	// Consolidations: 128 ETH per epoch.
	if got := computeConsolidationEpochAndUpdateChurn(cfg, big, 300*eth); got != first+2 || big.ConsolidationBalanceToConsume != 84*eth {
		t.Fatalf("consolidation: epoch %d, %d left", got, big.ConsolidationBalanceToConsume)
	}
}

func pendingTopUp(s *state.BeaconState, index int, amount, slot uint64) *electra.PendingDeposit {
	v := s.Validators[index]
	return &electra.PendingDeposit{Pubkey: v.Pubkey, WithdrawalCredentials: v.WithdrawalCredentials, Amount: amount, Signature: g2PointAtInfinity, Slot: slot}
}

func TestProcessPendingDeposits(t *testing.T) {
	cfg := electraConfig()
	s := syntheticState(forks.Electra, 64, 100)                             // churn 64 ETH
	s.Validators[4].ExitEpoch, s.Validators[4].WithdrawableEpoch = 102, 358 // exiting
	s.Validators[5].ExitEpoch, s.Validators[5].WithdrawableEpoch = 50, 100  // withdrawn
	newKey := [48]byte{0xee}
	deposits := []*electra.PendingDeposit{
		pendingTopUp(s, 3, 20*eth, 0),
		pendingTopUp(s, 4, 5*eth, 0),                                     // postponed
		pendingTopUp(s, 5, 7*eth, 0),                                     // applied, no churn
		{Pubkey: newKey, Amount: 30 * eth, Signature: g2PointAtInfinity}, // bad proof of possession: churn used, no validator
		pendingTopUp(s, 7, 15*eth, 0),                                    // 20 + 30 + 15 > 64: waits
	}
	s.PendingDeposits = append([]*electra.PendingDeposit{}, deposits...)
	if err := processPendingDeposits(cfg, s); err != nil {
		t.Fatal(err)
	}
	if s.Balances[3] != 52*eth || s.Balances[4] != 32*eth || s.Balances[5] != 39*eth || s.Balances[7] != 32*eth || len(s.Validators) != 64 {
		t.Fatalf("balances %d %d %d %d, %d validators", s.Balances[3], s.Balances[4], s.Balances[5], s.Balances[7], len(s.Validators))
	}
	if len(s.PendingDeposits) != 2 || s.PendingDeposits[0] != deposits[4] || s.PendingDeposits[1] != deposits[1] {
		t.Fatalf("queue after: %d entries", len(s.PendingDeposits))
	}
	if s.DepositBalanceToConsume != 14*eth {
		t.Fatalf("deposit_balance_to_consume %d, want 14 ETH", s.DepositBalanceToConsume)
	}
	// Next epoch: 14 + 64 ETH available; the top-up fits, the postponed
	// deposit stays, the churn is not reached so nothing carries over.
	if err := processPendingDeposits(cfg, s); err != nil {
		t.Fatal(err)
	}
	if s.Balances[7] != 47*eth || len(s.PendingDeposits) != 1 || s.PendingDeposits[0] != deposits[1] || s.DepositBalanceToConsume != 0 {
		t.Fatalf("second pass: balance %d, %d queued, %d carried", s.Balances[7], len(s.PendingDeposits), s.DepositBalanceToConsume)
	}

	// Deposit requests wait for the eth1 bridge deposits, and for
	// finalization.
	s = syntheticState(forks.Electra, 64, 100)
	s.Eth1DepositIndex, s.DepositRequestsStartIndex = 5, 10
	request := pendingTopUp(s, 1, eth, 3)
	s.PendingDeposits = []*electra.PendingDeposit{request, pendingTopUp(s, 2, eth, 0)}
	if err := processPendingDeposits(cfg, s); err != nil {
		t.Fatal(err)
	}
	if len(s.PendingDeposits) != 2 || s.Balances[1] != 32*eth {
		t.Fatal("a deposit request was applied before the eth1 bridge deposits")
	}
	s.Eth1DepositIndex = 10
	request.Slot = helpers.ComputeStartSlotAtEpoch(s.FinalizedCheckpoint.Epoch) + 1
	if err := processPendingDeposits(cfg, s); err != nil {
		t.Fatal(err)
	}
	if len(s.PendingDeposits) != 2 {
		t.Fatal("a deposit request after the finalized slot was applied")
	}
	request.Slot--
	if err := processPendingDeposits(cfg, s); err != nil {
		t.Fatal(err)
	}
	if len(s.PendingDeposits) != 0 || s.Balances[1] != 33*eth || s.Balances[2] != 33*eth {
		t.Fatal("finalized deposits not applied")
	}

	// At most MAX_PENDING_DEPOSITS_PER_EPOCH per epoch.
	s = syntheticState(forks.Electra, 64, 100)
	for i := 0; i < config.MaxPendingDepositsPerEpoch+3; i++ {
		s.PendingDeposits = append(s.PendingDeposits, pendingTopUp(s, i, eth/2, 0))
	}
	if err := processPendingDeposits(cfg, s); err != nil {
		t.Fatal(err)
	}
	if len(s.PendingDeposits) != 3 || s.DepositBalanceToConsume != 0 {
		t.Fatalf("%d left after one epoch", len(s.PendingDeposits))
	}
}

func TestProcessPendingConsolidations(t *testing.T) {
	s := syntheticState(forks.Electra, 16, 100)
	s.Validators[1].Slashed = true
	s.Validators[3].WithdrawableEpoch = 101 // = next epoch: processed
	s.Balances[3] = 33 * eth
	s.Validators[4].WithdrawableEpoch = 102 // not yet
	s.Validators[5].WithdrawableEpoch = 90
	s.Validators[2].WithdrawalCredentials[0] = config.CompoundingWithdrawalPrefix
	s.PendingConsolidations = []*electra.PendingConsolidation{
		{SourceIndex: 1, TargetIndex: 2}, {SourceIndex: 3, TargetIndex: 2}, {SourceIndex: 4, TargetIndex: 2}, {SourceIndex: 5, TargetIndex: 2},
	}
	if err := processPendingConsolidations(nil, s); err != nil {
		t.Fatal(err)
	}
	if s.Balances[1] != 32*eth || s.Balances[3] != eth || s.Balances[2] != 64*eth || s.Balances[5] != 32*eth {
		t.Fatalf("balances %d %d %d %d", s.Balances[1], s.Balances[2], s.Balances[3], s.Balances[5])
	}
	if len(s.PendingConsolidations) != 2 || s.PendingConsolidations[0].SourceIndex != 4 {
		t.Fatalf("%d consolidations left", len(s.PendingConsolidations))
	}
}

func TestProcessSlashingsElectra(t *testing.T) {
	s := syntheticState(forks.Electra, 64, 100) // 2048 ETH active
	v := s.Validators[9]
	v.Slashed, v.WithdrawableEpoch = true, 100+config.EpochsPerSlashingsVector/2
	s.Slashings[0] = 10 * eth
	if err := processSlashings(nil, s); err != nil {
		t.Fatal(err)
	}
	// 30 ETH adjusted (x3) / 2048 increments = 14648437 Gwei per
	// increment, x 32 increments. (The pre-electra formula gives 0.)
	if want := 32*eth - 32*14_648_437; s.Balances[9] != want {
		t.Fatalf("balance %d, want %d", s.Balances[9], want)
	}
}

func TestExpectedWithdrawalsElectra(t *testing.T) {
	s := syntheticState(forks.Electra, 8, 100)
	s.Validators[0].WithdrawalCredentials = credentials(config.CompoundingWithdrawalPrefix, 0)
	s.Balances[0] = 40 * eth
	s.Balances[1] = 33 * eth // 0x01 at 32 ETH: partially withdrawable
	s.Validators[2].WithdrawalCredentials = credentials(config.CompoundingWithdrawalPrefix, 2)
	s.Validators[2].WithdrawableEpoch = 100 // fully withdrawable
	s.Balances[2] = 31 * eth
	s.PendingPartialWithdrawals = []*electra.PendingPartialWithdrawal{
		{ValidatorIndex: 0, Amount: 5 * eth, WithdrawableEpoch: 99},
		{ValidatorIndex: 0, Amount: 5 * eth, WithdrawableEpoch: 100}, // only 3 ETH left above 32
		{ValidatorIndex: 0, Amount: 5 * eth, WithdrawableEpoch: 101}, // not yet
	}
	got, processed := expectedWithdrawalsElectra(s)
	want := []capella.Withdrawal{
		{Index: 0, ValidatorIndex: 0, Address: address(0), Amount: 5 * eth},
		{Index: 1, ValidatorIndex: 0, Address: address(0), Amount: 3 * eth},
		{Index: 2, ValidatorIndex: 1, Address: address(1), Amount: eth},
		{Index: 3, ValidatorIndex: 2, Address: address(2), Amount: 31 * eth},
	}
	if processed != 2 || len(got) != len(want) {
		t.Fatalf("processed %d, %d withdrawals: %+v", processed, len(got), got)
	}
	for i := range want {
		if *got[i] != want[i] {
			t.Fatalf("withdrawal %d: %+v, want %+v", i, *got[i], want[i])
		}
	}
	payload := &deneb.ExecutionPayload{Withdrawals: got}
	if err := processWithdrawals(s, payload); err != nil {
		t.Fatal(err)
	}
	if len(s.PendingPartialWithdrawals) != 1 || s.PendingPartialWithdrawals[0].WithdrawableEpoch != 101 ||
		s.Balances[0] != 32*eth || s.Balances[1] != 32*eth || s.Balances[2] != 0 || s.NextWithdrawalIndex != 4 {
		t.Fatalf("after process_withdrawals: %d pending, balances %v", len(s.PendingPartialWithdrawals), s.Balances[:3])
	}
	// The withdrawals of a payload must be exactly these.
	s2 := syntheticState(forks.Electra, 8, 100)
	s2.PendingPartialWithdrawals = []*electra.PendingPartialWithdrawal{{ValidatorIndex: 0, Amount: eth, WithdrawableEpoch: 0}}
	s2.Validators[0].WithdrawalCredentials[0] = config.CompoundingWithdrawalPrefix
	s2.Balances[0] = 33 * eth
	if err := processWithdrawals(s2, &deneb.ExecutionPayload{}); err == nil {
		t.Fatal("a payload without the pending partial withdrawal was accepted")
	}
}

func TestExecutionRequests(t *testing.T) {
	cfg := electraConfig()
	s := syntheticState(forks.Electra, 64, 100)
	s.Validators[1].WithdrawalCredentials = credentials(config.CompoundingWithdrawalPrefix, 1)
	s.Balances[1] = 40 * eth
	pk := func(i int) [48]byte { return s.Validators[i].Pubkey }

	// Withdrawal requests: wrong address and non-compounding partial
	// requests are ignored; a compounding partial request is queued
	// behind the exit churn; a full exit with a pending withdrawal is
	// ignored, without one it exits.
	processWithdrawalRequest(cfg, s, &electra.WithdrawalRequest{SourceAddress: address(9), ValidatorPubkey: pk(0)})
	processWithdrawalRequest(cfg, s, &electra.WithdrawalRequest{SourceAddress: address(0), ValidatorPubkey: pk(0), Amount: eth})
	if s.Validators[0].ExitEpoch != config.FarFutureEpoch || len(s.PendingPartialWithdrawals) != 0 {
		t.Fatal("an invalid withdrawal request had an effect")
	}
	processWithdrawalRequest(cfg, s, &electra.WithdrawalRequest{SourceAddress: address(1), ValidatorPubkey: pk(1), Amount: 100 * eth})
	exitEpoch := helpers.ComputeActivationExitEpoch(100)
	if len(s.PendingPartialWithdrawals) != 1 || *s.PendingPartialWithdrawals[0] != (electra.PendingPartialWithdrawal{ValidatorIndex: 1, Amount: 8 * eth, WithdrawableEpoch: exitEpoch + 256}) {
		t.Fatalf("partial withdrawal request: %+v", s.PendingPartialWithdrawals)
	}
	processWithdrawalRequest(cfg, s, &electra.WithdrawalRequest{SourceAddress: address(1), ValidatorPubkey: pk(1)})
	if s.Validators[1].ExitEpoch != config.FarFutureEpoch {
		t.Fatal("full exit with a pending partial withdrawal")
	}
	processWithdrawalRequest(cfg, s, &electra.WithdrawalRequest{SourceAddress: address(0), ValidatorPubkey: pk(0)})
	if s.Validators[0].ExitEpoch != exitEpoch {
		t.Fatalf("full exit: epoch %d", s.Validators[0].ExitEpoch)
	}

	// Consolidation requests: a switch to compounding (source == target)
	// queues the excess balance; a consolidation needs more consolidation
	// churn than MIN_ACTIVATION_BALANCE (none with 64 validators).
	s.Balances[2] = 35 * eth
	processConsolidationRequest(cfg, s, &electra.ConsolidationRequest{SourceAddress: address(2), SourcePubkey: pk(2), TargetPubkey: pk(2)})
	if s.Validators[2].WithdrawalCredentials != credentials(config.CompoundingWithdrawalPrefix, 2) || s.Balances[2] != 32*eth ||
		len(s.PendingDeposits) != 1 || s.PendingDeposits[0].Amount != 3*eth || s.PendingDeposits[0].Slot != 0 {
		t.Fatalf("switch to compounding: %x, balance %d, %d pending deposits", s.Validators[2].WithdrawalCredentials, s.Balances[2], len(s.PendingDeposits))
	}
	processConsolidationRequest(cfg, s, &electra.ConsolidationRequest{SourceAddress: address(3), SourcePubkey: pk(3), TargetPubkey: pk(2)})
	if len(s.PendingConsolidations) != 0 || s.Validators[3].ExitEpoch != config.FarFutureEpoch {
		t.Fatal("consolidation without consolidation churn")
	}

	big := syntheticState(forks.Electra, 256, 100)
	big.Validators[2].WithdrawalCredentials = credentials(config.CompoundingWithdrawalPrefix, 2)
	bpk := func(i int) [48]byte { return big.Validators[i].Pubkey }
	for _, bad := range []*electra.ConsolidationRequest{
		{SourceAddress: address(4), SourcePubkey: bpk(3), TargetPubkey: bpk(2)}, // wrong address
		{SourceAddress: address(3), SourcePubkey: bpk(3), TargetPubkey: bpk(5)}, // target not compounding
	} {
		processConsolidationRequest(cfg, big, bad)
	}
	if len(big.PendingConsolidations) != 0 {
		t.Fatal("an invalid consolidation request was queued")
	}
	processConsolidationRequest(cfg, big, &electra.ConsolidationRequest{SourceAddress: address(3), SourcePubkey: bpk(3), TargetPubkey: bpk(2)})
	if len(big.PendingConsolidations) != 1 || big.Validators[3].ExitEpoch != exitEpoch || big.Validators[3].WithdrawableEpoch != exitEpoch+256 ||
		big.ConsolidationBalanceToConsume != 96*eth {
		t.Fatalf("consolidation: %+v, exit %d", big.PendingConsolidations, big.Validators[3].ExitEpoch)
	}

	// Deposit requests set deposit_requests_start_index once and queue.
	processDepositRequest(s, &electra.DepositRequest{Pubkey: [48]byte{0xdd}, Amount: eth, Index: 7})
	processDepositRequest(s, &electra.DepositRequest{Pubkey: [48]byte{0xde}, Amount: eth, Index: 8})
	if s.DepositRequestsStartIndex != 7 || len(s.PendingDeposits) != 3 || s.PendingDeposits[2].Slot != s.Slot {
		t.Fatalf("deposit requests: start %d, %d pending", s.DepositRequestsStartIndex, len(s.PendingDeposits))
	}
	list, err := executionRequestsList(&electra.ExecutionRequests{Deposits: []*electra.DepositRequest{{Index: 1}}, Consolidations: []*electra.ConsolidationRequest{{}}})
	if err != nil || len(list) != 2 || list[0][0] != 0 || len(list[0]) != 1+192 || list[1][0] != 2 || len(list[1]) != 1+116 {
		t.Fatalf("get_execution_requests_list: %v, %d entries", err, len(list))
	}
}

func TestUpgradeToElectra(t *testing.T) {
	cfg := electraConfig()
	s := syntheticState(forks.Deneb, 64, 10)
	s.Fork = &phase0.Fork{CurrentVersion: config.Version{4, 0, 0, 1}}
	s.Validators[1].ExitEpoch, s.Validators[1].WithdrawableEpoch = 50, 306
	for _, p := range []struct {
		index       int
		eligibility uint64
	}{{2, 7}, {3, 5}, {6, 5}} {
		v := s.Validators[p.index]
		v.ActivationEpoch, v.ActivationEligibilityEpoch = config.FarFutureEpoch, p.eligibility
	}
	s.Validators[4].WithdrawalCredentials = credentials(config.CompoundingWithdrawalPrefix, 4)
	s.Balances[4] = 40 * eth
	if err := upgradeToElectra(cfg, s); err != nil {
		t.Fatal(err)
	}
	if s.ForkName != forks.Electra || s.Fork.CurrentVersion != (config.Version{5, 0, 0, 1}) || s.Fork.Epoch != 10 {
		t.Fatalf("fork %v %+v", s.ForkName, s.Fork)
	}
	if s.EarliestExitEpoch != 51 || s.EarliestConsolidationEpoch != helpers.ComputeActivationExitEpoch(10) ||
		s.DepositRequestsStartIndex != config.UnsetDepositRequestsStartIndex || s.ExitBalanceToConsume != 64*eth ||
		s.ConsolidationBalanceToConsume != 0 {
		t.Fatalf("churn state: exit %d, consolidation %d, to consume %d", s.EarliestExitEpoch, s.EarliestConsolidationEpoch, s.ExitBalanceToConsume)
	}
	order := []int{3, 6, 2} // by (eligibility epoch, index)
	if len(s.PendingDeposits) != 4 {
		t.Fatalf("%d pending deposits", len(s.PendingDeposits))
	}
	for k, i := range order {
		d, v := s.PendingDeposits[k], s.Validators[i]
		if d.Pubkey != v.Pubkey || d.Amount != 32*eth || d.Slot != 0 || d.Signature != g2PointAtInfinity ||
			s.Balances[i] != 0 || v.EffectiveBalance != 0 || v.ActivationEligibilityEpoch != config.FarFutureEpoch {
			t.Fatalf("pending deposit %d: %+v", k, d)
		}
	}
	if d := s.PendingDeposits[3]; d.Pubkey != s.Validators[4].Pubkey || d.Amount != 8*eth || s.Balances[4] != 32*eth {
		t.Fatalf("compounding excess: %+v", d)
	}
	if _, err := s.HashTreeRoot(); err != nil {
		t.Fatal(err)
	}
}

func TestFuluProposerLookahead(t *testing.T) {
	cfg := electraConfig()
	s := syntheticState(forks.Electra, 64, 10)
	s.Fork = &phase0.Fork{CurrentVersion: config.Version{5, 0, 0, 1}}
	for i, v := range s.Validators { // varied effective balances, so sampling matters
		v.WithdrawalCredentials[0] = config.CompoundingWithdrawalPrefix
		v.EffectiveBalance = uint64(32+i*29) * eth
	}
	electraProposers := make([]uint64, 0, config.ProposerLookaheadLength)
	for slot := s.Slot; slot < s.Slot+config.ProposerLookaheadLength; slot++ {
		at := s.Copy()
		at.Slot = slot
		p, err := BeaconProposerIndex(at)
		if err != nil {
			t.Fatal(err)
		}
		electraProposers = append(electraProposers, p)
	}
	if err := upgradeToFulu(cfg, s); err != nil {
		t.Fatal(err)
	}
	if s.ForkName != forks.Fulu || s.Fork.CurrentVersion != (config.Version{6, 0, 0, 1}) || len(s.ProposerLookahead) != config.ProposerLookaheadLength {
		t.Fatalf("fork %v, lookahead %d", s.ForkName, len(s.ProposerLookahead))
	}
	// With the registry unchanged, the lookahead is what electra computes
	// slot by slot.
	for i, want := range electraProposers {
		if s.ProposerLookahead[i] != want {
			t.Fatalf("lookahead[%d] = %d, electra's proposer %d", i, s.ProposerLookahead[i], want)
		}
		at := s.Copy()
		at.Slot = s.Slot + uint64(i)%config.SlotsPerEpoch
		if got, _ := BeaconProposerIndex(at); i < config.SlotsPerEpoch && got != want {
			t.Fatalf("get_beacon_proposer_index at slot %d: %d, want %d", at.Slot, got, want)
		}
	}
	// process_proposer_lookahead shifts one epoch and appends the epoch
	// after next.
	before := append([]uint64(nil), s.ProposerLookahead...)
	s.Slot += config.SlotsPerEpoch - 1
	if err := processProposerLookahead(cfg, s); err != nil {
		t.Fatal(err)
	}
	next, err := helpers.BeaconProposerIndices(s, 10+config.MinSeedLookahead+1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.ProposerLookahead {
		want := uint64(0)
		if i < len(before)-config.SlotsPerEpoch {
			want = before[i+config.SlotsPerEpoch]
		} else {
			want = next[i-(len(before)-config.SlotsPerEpoch)]
		}
		if s.ProposerLookahead[i] != want {
			t.Fatalf("after the shift, lookahead[%d] = %d, want %d", i, s.ProposerLookahead[i], want)
		}
	}
}

func TestBlobLimits(t *testing.T) {
	cfg := electraConfig()
	cfg.BlobSchedule = []config.BlobParameters{{Epoch: 5, MaxBlobsPerBlock: 12}, {Epoch: 20, MaxBlobsPerBlock: 15}}
	for _, c := range []struct {
		fork  forks.Fork
		epoch uint64
		want  uint64
	}{
		{forks.Deneb, 30, config.DefaultMaxBlobsPerBlock},
		{forks.Electra, 30, 9},
		{forks.Fulu, 4, 9}, // before the schedule: electra's
		{forks.Fulu, 5, 12},
		{forks.Fulu, 19, 12},
		{forks.Fulu, 20, 15},
	} {
		s := syntheticState(c.fork, 1, c.epoch)
		if got := maxBlobsPerBlock(cfg, s); got != c.want {
			t.Errorf("%v epoch %d: %d, want %d", c.fork, c.epoch, got, c.want)
		}
	}
}
