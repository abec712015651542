// Package forks names the consensus forks and reads their schedule (fork
// epoch and version) from the runtime config.
package forks

import (
	"fmt"
	"strings"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
)

// Fork identifies a consensus fork. The values are ordered: a later fork
// compares greater, so `s.ForkName >= forks.Altair` reads "altair or later".
type Fork uint8

const (
	Phase0 Fork = iota
	Altair
	Bellatrix
	Capella
	Deneb
	Electra
	Fulu
)

// Last is the latest fork this package knows.
const Last = Fulu

var names = [...]string{"phase0", "altair", "bellatrix", "capella", "deneb", "electra", "fulu"}

// String returns the fork's name as the spec and the vector directories
// spell it ("phase0", "altair", ...).
func (f Fork) String() string {
	if int(f) < len(names) {
		return names[f]
	}
	return fmt.Sprintf("fork(%d)", uint8(f))
}

// All returns every fork, phase0 first.
func All() []Fork {
	out := make([]Fork, 0, len(names))
	for f := Phase0; f <= Last; f++ {
		out = append(out, f)
	}
	return out
}

// Parse returns the fork named name (case-insensitive; "merge" is bellatrix).
func Parse(name string) (Fork, error) {
	n := strings.ToLower(name)
	if n == "merge" {
		return Bellatrix, nil
	}
	for i, s := range names {
		if s == n {
			return Fork(i), nil
		}
	}
	return 0, fmt.Errorf("forks: unknown fork %q", name)
}

// Schedule is the fork schedule of a config: for every fork its activation
// epoch (FAR_FUTURE_EPOCH when the config does not schedule it) and version.
type Schedule struct {
	Epochs   [Last + 1]uint64
	Versions [Last + 1]config.Version
}

// ScheduleOf reads the schedule of cfg. Phase0 is active from genesis with
// GENESIS_FORK_VERSION; a fork the config does not name is never active.
func ScheduleOf(cfg *config.Config) (*Schedule, error) {
	sc := &Schedule{}
	for f := Altair; f <= Last; f++ {
		sc.Epochs[f] = config.FarFutureEpoch
	}
	sc.Versions[Phase0] = cfg.GenesisForkVersion
	entries, err := cfg.Forks()
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Name == "GENESIS" {
			continue
		}
		f, err := Parse(e.Name)
		if err != nil {
			return nil, err
		}
		sc.Epochs[f], sc.Versions[f] = e.Epoch, e.Version
	}
	return sc, nil
}

// AtEpoch returns the fork in force at epoch: the latest fork whose
// activation epoch is at or before it.
func (sc *Schedule) AtEpoch(epoch uint64) Fork {
	out := Phase0
	for f := Altair; f <= Last; f++ {
		if sc.Epochs[f] <= epoch {
			out = f
		}
	}
	return out
}

// AtSlot returns the fork in force at slot.
func (sc *Schedule) AtSlot(slot uint64) Fork { return sc.AtEpoch(slot / config.SlotsPerEpoch) }

// Version returns the fork version of f.
func (sc *Schedule) Version(f Fork) config.Version { return sc.Versions[f] }
