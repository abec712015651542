package config

import "fmt"

// ForkNames lists the forks after phase0 in order, as spelled in the config
// keys (<NAME>_FORK_VERSION, <NAME>_FORK_EPOCH).
var ForkNames = []string{"ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"}

// ForkEntry is one scheduled fork.
type ForkEntry struct {
	Name    string // e.g. "ALTAIR"
	Version Version
	Epoch   uint64 // FAR_FUTURE_EPOCH when not scheduled
}

// Forks returns the fork schedule of the config: genesis first, then every
// later fork whose version and epoch the file defines. Bellatrix is also
// found under its pre-release name MERGE (as in v1.1.0-alpha configs).
func (c *Config) Forks() ([]ForkEntry, error) {
	out := []ForkEntry{{Name: "GENESIS", Version: c.GenesisForkVersion, Epoch: GenesisEpoch}}
	for _, name := range ForkNames {
		key := name
		if name == "BELLATRIX" {
			if _, ok := c.Raw["BELLATRIX_FORK_VERSION"]; !ok {
				key = "MERGE"
			}
		}
		if _, ok := c.Raw[key+"_FORK_VERSION"]; !ok {
			continue
		}
		v, err := c.Version(key + "_FORK_VERSION")
		if err != nil {
			return nil, err
		}
		e, err := c.Uint(key + "_FORK_EPOCH")
		if err != nil {
			return nil, fmt.Errorf("fork %s: %w", name, err)
		}
		out = append(out, ForkEntry{Name: name, Version: v, Epoch: e})
	}
	return out, nil
}
