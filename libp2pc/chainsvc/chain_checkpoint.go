package chainsvc

import (
	"context"
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/checkpoint"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/events"
)

// loadCheckpoint obtains and checks the checkpoint anchor of ChainConfig
// against the node's network, reporting each step as a SyncProgress event
// ("checkpoint: state 1048576/2097152 bytes", "checkpoint: verified ...").
func (c *chainState) loadCheckpoint(parent context.Context, ccfg *config.Config) (*checkpoint.Anchor, error) {
	cfg := c.cfg
	o := checkpoint.Options{
		Network: checkpoint.Network{Config: ccfg, GenesisValidatorsRoot: c.n.Eth2().GenesisValidatorsRoot(),
			GenesisTime: uint64(c.n.Eth2().GenesisTime().Unix())},
		URL: cfg.CheckpointURL, ID: cfg.CheckpointID, StateSSZ: cfg.CheckpointState, Block: cfg.CheckpointBlock,
		AllowStale: cfg.AllowStaleCheckpoint,
	}
	if cfg.WSCheckpoint != "" {
		ws, err := checkpoint.ParseWS(cfg.WSCheckpoint)
		if err != nil {
			return nil, err
		}
		o.WS = &ws
	}
	source := "given state"
	if o.URL != "" {
		source = o.URL
	}
	o.Progress = func(p checkpoint.Progress) {
		text := "checkpoint: " + p.Phase
		if p.Done > 0 || p.Total > 0 {
			text = fmt.Sprintf("checkpoint: %s %d/%d bytes", p.Phase, p.Done, p.Total)
		}
		c.push(events.Event{Type: events.SyncProgress, PeerID: source, Code: uint64(p.Done), Text: text})
	}
	ctx, cancel := context.WithCancel(parent)
	c.loadCancel.Store(&cancel)
	defer cancel()
	a, err := checkpoint.Load(ctx, o)
	if err != nil {
		return nil, err
	}
	stale := ""
	if a.Stale {
		stale = ", OUTSIDE its weak subjectivity period (accepted: the host overrides)"
	}
	c.push(events.Event{Type: events.SyncProgress, PeerID: source, Code: a.Slot,
		Text: fmt.Sprintf("checkpoint: anchored at epoch %d, block %x (slot %d), state root %x (slot %d, %s), weak subjectivity period %d epochs%s",
			a.Epoch, a.BlockRoot, a.BlockSlot, a.StateRoot, a.Slot, a.Fork, a.WSPeriod, stale)})
	return a, nil
}
