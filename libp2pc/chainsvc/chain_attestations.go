package chainsvc

// Gossip attestations into the chain's fork choice: with a chain, the
// node has Go validators for beacon_aggregate_and_proof and every
// beacon_attestation_{subnet} (pipeline.AttestationValidator: the
// p2p-interface rules, then on_attestation). The host decides what to
// join: Eth2Subscribe("beacon_aggregate_and_proof", ValidateGo) — what a
// beacon node always does — and the attestation subnets it is assigned
// with ValidateGo; the votes of every ACCEPTed message reach fork choice
// (in the slot after the attestation's, as the spec has it).

import (
	"context"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// startAttestations registers the validators and starts the per-slot
// flush of deferred votes (Start, after the pipeline is up).
func (c *chainState) startAttestations(secondsPerSlot uint64) error {
	v, err := pipeline.NewAttestationValidator(c.p, c.tr.Cfg)
	if err != nil {
		return err
	}
	c.att = v
	if err := c.n.RegisterEth2Validator(gossip.BeaconAggregateAndProof, c.validateAggregate); err != nil {
		return err
	}
	if err := c.n.RegisterEth2Validator(gossip.BeaconAttestation, c.validateAttestation); err != nil {
		return err
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		// Votes of the current slot wait for the next one; a third of a
		// slot is soon enough (each accepted message also flushes).
		t := time.NewTicker(time.Duration(max(secondsPerSlot, 1)) * time.Second / 3)
		defer t.Stop()
		for {
			select {
			case <-c.ctx.Done():
				return
			case <-t.C:
				v.Flush()
			}
		}
	}()
	return nil
}

// forkOf maps the topic's fork (eth2.Fork) to the consensus fork: both
// enumerate phase0..fulu in activation order.
func forkOf(m *node.Eth2Message) forks.Fork { return forks.Fork(m.Fork) }

func verdict(r pipeline.GossipResult, reason string) (node.ValidationResult, string) {
	switch r {
	case pipeline.Accept:
		return node.ValidationAccept, ""
	case pipeline.Reject:
		return node.ValidationReject, reason
	}
	return node.ValidationIgnore, reason
}

func (c *chainState) validateAggregate(_ context.Context, m *node.Eth2Message) (node.ValidationResult, string) {
	return verdict(c.att.ValidateAggregate(forkOf(m), m.Data, time.Now()))
}

func (c *chainState) validateAttestation(_ context.Context, m *node.Eth2Message) (node.ValidationResult, string) {
	return verdict(c.att.ValidateSubnetAttestation(forkOf(m), m.Parsed.Subnet, m.Data, time.Now()))
}

// AttestationCounters returns the gossip attestation counters of the
// chain (BadState without one).
func AttestationCounters(n *node.Node) (pipeline.AttestationCounters, error) {
	c := readyChain(n)
	if c == nil || !c.ready.Load() || c.att == nil {
		return pipeline.AttestationCounters{}, status.Errorf(status.BadState, "attestation counters: the chain is not running")
	}
	return c.att.Counters(), nil
}
