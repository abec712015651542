// Command chaingen writes a small synthetic phase0 chain for tests of the
// chain API from other languages (examples/tests/test_chain.c): a genesis
// state, signed blocks with attestations, their post-states, a block that
// breaks a rule, the consensus config YAML they follow, and a manifest of
// their roots. Built without build tags it uses the mainnet preset, the
// one the default library (make lib) is built with; with -tags minimal,
// the minimal preset.
//
// Usage: go run ./libp2pc/internal/testchain/cmd/chaingen -out DIR [-blocks N] [-validators N] [-states=false]
//
//	[-checkpoint-states] [-genesis-time UNIX] [-seconds-per-slot N]
//
// -seconds-per-slot only changes config.yaml's SECONDS_PER_SLOT (default
// 12): the blocks do not depend on it. A short slot with -genesis-time
// just ahead of the wall clock gives a chain that can be proposed live,
// one block per slot (make demo does it with 1-second slots).
//
// A chain of several epochs (e.g. -blocks 260 -states=false for a range
// sync over several batches) justifies and finalizes: every block carries
// the previous slot's attestations.
//
// DIR receives:
//
//	config.yaml        consensus config (also valid for eth2_configure)
//	genesis.ssz        the genesis BeaconState
//	block_<i>.ssz      SignedBeaconBlock at slot i (i = 1..N), each on the previous
//	state_<i>.ssz      the BeaconState after block i (not with -states=false,
//	                   except at epoch boundaries with -checkpoint-states:
//	                   checkpoint states for checkpoint-sync tests)
//	bad_state_root.ssz a block at slot N+1 on block N whose state root is wrong
//	                   (correctly signed: only the state root check fails)
//	manifest.txt       one line per item, hex roots without 0x:
//	                     preset <name>
//	                     anchor <block root> <state root>   (the genesis anchor block)
//	                     block <i> <slot> <root> <parent root> <state root>
//	                     bad <slot> <root> <parent root> <state root>
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/internal/testchain"
)

func main() {
	out := flag.String("out", "", "output directory (created)")
	nBlocks := flag.Int("blocks", 3, "valid blocks (slots 1..N)")
	nVals := flag.Int("validators", 64, "validators")
	states := flag.Bool("states", true, "write the post-state of every block")
	cpStates := flag.Bool("checkpoint-states", false, "write the post-states at epoch boundaries (with -states=false)")
	genesisTime := flag.Uint64("genesis-time", 0, "the genesis state's genesis_time")
	secondsPerSlot := flag.Uint64("seconds-per-slot", 12, "config.yaml's SECONDS_PER_SLOT")
	flag.Parse()
	if *out == "" || *nBlocks < 1 || *nVals < 1 || *secondsPerSlot < 1 {
		fmt.Fprintln(os.Stderr, "usage: chaingen -out DIR [-blocks N] [-validators N] [-states=false] [-seconds-per-slot N]")
		os.Exit(2)
	}
	if err := run(*out, *nBlocks, *nVals, *states, *cpStates, *genesisTime, *secondsPerSlot); err != nil {
		fmt.Fprintln(os.Stderr, "chaingen:", err)
		os.Exit(1)
	}
}

// configYAML renders testchain.Config() as a consensus config file, with
// the keys eth2_configure needs besides (no fork after phase0 scheduled).
func configYAML(secondsPerSlot uint64) []byte {
	c := testchain.Config()
	var b bytes.Buffer
	fmt.Fprintf(&b, "PRESET_BASE: '%s'\n", c.PresetBase)
	fmt.Fprintf(&b, "MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 64\n")
	fmt.Fprintf(&b, "MIN_GENESIS_TIME: 1578009600\n")
	fmt.Fprintf(&b, "GENESIS_FORK_VERSION: 0x%x\n", c.GenesisForkVersion[:])
	fmt.Fprintf(&b, "GENESIS_DELAY: 300\n")
	fmt.Fprintf(&b, "SECONDS_PER_SLOT: %d\n", secondsPerSlot)
	fmt.Fprintf(&b, "SECONDS_PER_ETH1_BLOCK: 14\n")
	fmt.Fprintf(&b, "MIN_VALIDATOR_WITHDRAWABILITY_DELAY: %d\n", c.MinValidatorWithdrawabilityDelay)
	fmt.Fprintf(&b, "SHARD_COMMITTEE_PERIOD: %d\n", c.ShardCommitteePeriod)
	fmt.Fprintf(&b, "ETH1_FOLLOW_DISTANCE: 16\n")
	fmt.Fprintf(&b, "EJECTION_BALANCE: %d\n", c.EjectionBalance)
	fmt.Fprintf(&b, "MIN_PER_EPOCH_CHURN_LIMIT: %d\n", c.MinPerEpochChurnLimit)
	fmt.Fprintf(&b, "CHURN_LIMIT_QUOTIENT: %d\n", c.ChurnLimitQuotient)
	fmt.Fprintf(&b, "DEPOSIT_CHAIN_ID: 5\n")
	fmt.Fprintf(&b, "DEPOSIT_NETWORK_ID: 5\n")
	fmt.Fprintf(&b, "DEPOSIT_CONTRACT_ADDRESS: 0x1234567890123456789012345678901234567890\n")
	fmt.Fprintf(&b, "ALTAIR_FORK_VERSION: 0x01000001\n")
	fmt.Fprintf(&b, "ALTAIR_FORK_EPOCH: %d\n", config.FarFutureEpoch)
	return b.Bytes()
}

func run(dir string, nBlocks, nVals int, writeStates, checkpointStates bool, genesisTime, secondsPerSlot uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, data []byte) error {
		// Write then rename: a reader never sees a half-written file.
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, filepath.Join(dir, name))
	}
	yaml := configYAML(secondsPerSlot)
	// The blocks follow the config as the library will parse it.
	cfg, err := config.ParseConfig(yaml)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	g, err := testchain.Genesis(nVals)
	if err != nil {
		return err
	}
	g.GenesisTime = genesisTime
	genesis, err := g.MarshalSSZ()
	if err != nil {
		return err
	}
	stateRoot, err := g.HashTreeRoot()
	if err != nil {
		return err
	}
	h := *g.LatestBlockHeader
	h.StateRoot = stateRoot
	anchor, err := h.HashTreeRoot()
	if err != nil {
		return err
	}
	var manifest bytes.Buffer
	fmt.Fprintf(&manifest, "preset %s\n", config.PresetName)
	fmt.Fprintf(&manifest, "anchor %x %x\n", anchor, stateRoot)

	pre := g
	for i := 1; i <= nBlocks+1; i++ {
		slot := uint64(i)
		sb, err := testchain.ProduceBlock(cfg, pre, slot, 1)
		if err != nil {
			return fmt.Errorf("block %d: %w", i, err)
		}
		if i == nBlocks+1 { // the invalid one
			sb.Message.StateRoot[0] ^= 0xff
			if err := testchain.Resign(pre, sb); err != nil {
				return err
			}
			ssz, err := sb.MarshalSSZ()
			if err != nil {
				return err
			}
			root, _ := sb.Message.HashTreeRoot()
			if err := write("bad_state_root.ssz", ssz); err != nil {
				return err
			}
			fmt.Fprintf(&manifest, "bad %d %x %x %x\n", slot, root, sb.Message.ParentRoot, sb.Message.StateRoot)
			break
		}
		res, err := transition.Transition(cfg, state.FromPhase0(pre), state.BlockFromPhase0(sb),
			transition.Options{VerifySignatures: true, ValidateStateRoot: true})
		if err != nil {
			return fmt.Errorf("block %d does not apply: %w", i, err)
		}
		post, err := res.State.ToPhase0()
		if err != nil {
			return err
		}
		ssz, err := sb.MarshalSSZ()
		if err != nil {
			return err
		}
		root, err := sb.Message.HashTreeRoot()
		if err != nil {
			return err
		}
		if err := write(fmt.Sprintf("block_%d.ssz", i), ssz); err != nil {
			return err
		}
		if writeStates || checkpointStates && slot%config.SlotsPerEpoch == 0 {
			st, err := post.MarshalSSZ()
			if err != nil {
				return err
			}
			if err := write(fmt.Sprintf("state_%d.ssz", i), st); err != nil {
				return err
			}
		}
		fmt.Fprintf(&manifest, "block %d %d %x %x %x\n", i, slot, root, sb.Message.ParentRoot, sb.Message.StateRoot)
		pre = post
	}
	if err := write("config.yaml", yaml); err != nil {
		return err
	}
	if err := write("genesis.ssz", genesis); err != nil {
		return err
	}
	// The manifest last: its presence means everything else is written.
	return write("manifest.txt", manifest.Bytes())
}
