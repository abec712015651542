// Package gossipparams is the gossipsub option set of an Ethereum consensus
// node: the mesh and cache parameters of consensus-specs
// phase0/p2p-interface.md ("Gossipsub Parameters"), seen_ttl derived from the
// chain's slot duration and SLOTS_PER_EPOCH, the protocol list, and the de
// facto peer-scoring parameters (topic weights, decays, caps, thresholds)
// that production Go clients use. The spec leaves scoring unspecified; the
// values below are those of Prysm's beacon-chain/p2p/gossip_scoring_params.go
// (themselves derived from Lighthouse's), recomputed here from the chain
// parameters rather than from a global config.
package gossipparams

import (
	"math"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
)

// Mesh and cache parameters (phase0 p2p-interface.md).
const (
	D                 = 8
	DLow              = 6
	DHigh             = 12
	DLazy             = 6
	HeartbeatInterval = 700 * time.Millisecond
	FanoutTTL         = 60 * time.Second
	McacheLen         = 6
	McacheGossip      = 3
)

// SubscriptionRequestLimit bounds the subscriptions one RPC may carry
// (Prysm: 500); an RPC above it is ignored whole. A Fulu supernode announces
// 128 data column subnets plus 64 attestation subnets and the rest, twice
// around a fork boundary.
const SubscriptionRequestLimit = 500

// Chain holds the chain parameters the gossip and scoring values derive
// from. Preset values default to mainnet's (see WithDefaults).
type Chain struct {
	SlotDuration  time.Duration // SLOT_DURATION_MS (or SECONDS_PER_SLOT)
	SlotsPerEpoch uint64        // SLOTS_PER_EPOCH (preset)
	// ActiveValidators sizes the attestation, aggregate and sync committee
	// message rates the scoring expects.
	ActiveValidators uint64
	Subnets          gossip.Params

	TargetCommitteeSize                  uint64 // TARGET_COMMITTEE_SIZE: 128
	MaxCommitteesPerSlot                 uint64 // MAX_COMMITTEES_PER_SLOT: 64 (minimal: 4)
	TargetAggregatorsPerCommittee        uint64 // TARGET_AGGREGATORS_PER_COMMITTEE: 16
	TargetAggregatorsPerSyncSubcommittee uint64 // TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE: 16
	SyncCommitteeSize                    uint64 // SYNC_COMMITTEE_SIZE: 512 (minimal: 32)
}

// DefaultActiveValidators is the active validator count assumed when none
// is given: the order of mainnet's (about a million in 2025-2026).
const DefaultActiveValidators = 1_000_000

// WithDefaults fills zero fields with mainnet values.
func (c Chain) WithDefaults() Chain {
	def := func(v *uint64, d uint64) {
		if *v == 0 {
			*v = d
		}
	}
	if c.SlotDuration == 0 {
		c.SlotDuration = 12 * time.Second
	}
	def(&c.SlotsPerEpoch, 32)
	def(&c.ActiveValidators, DefaultActiveValidators)
	if c.Subnets == (gossip.Params{}) {
		c.Subnets = gossip.MainnetParams
	}
	def(&c.TargetCommitteeSize, 128)
	def(&c.MaxCommitteesPerSlot, 64)
	def(&c.TargetAggregatorsPerCommittee, 16)
	def(&c.TargetAggregatorsPerSyncSubcommittee, 16)
	def(&c.SyncCommitteeSize, 512)
	return c
}

func (c Chain) epoch() time.Duration { return c.SlotDuration * time.Duration(c.SlotsPerEpoch) }

// SeenTTL is seen_ttl: SLOT_DURATION_MS * SLOTS_PER_EPOCH * 2 // 1000
// seconds (768 s on mainnet).
func (c Chain) SeenTTL() time.Duration { return 2 * c.epoch() }

// GossipSubParams are go-libp2p-pubsub's defaults with the spec's mesh,
// heartbeat, fanout and cache values (and go-libp2p-pubsub's IDONTWANT
// settings for /meshsub/1.2.0).
func GossipSubParams() pubsub.GossipSubParams {
	p := pubsub.DefaultGossipSubParams()
	p.D, p.Dlo, p.Dhi, p.Dlazy = D, DLow, DHigh, DLazy
	p.HeartbeatInterval = HeartbeatInterval
	p.FanoutTTL = FanoutTTL
	p.HistoryLength, p.HistoryGossip = McacheLen, McacheGossip
	return p
}

// Protocols are the gossipsub versions offered: /meshsub/1.2.0 (IDONTWANT),
// /meshsub/1.1.0 (the spec's) and /meshsub/1.0.0.
var Protocols = []string{
	string(pubsub.GossipSubID_v12), string(pubsub.GossipSubID_v11), string(pubsub.GossipSubID_v10),
}

// Scoring constants (Prysm / Lighthouse).
const (
	weightBlock            = 0.8
	weightAggregate        = 0.5
	weightSyncContribution = 0.2
	weightAttestationTotal = 1.0
	weightSyncTotal        = 0.4
	weightOperation        = 0.05 // each of the slashings, exits, BLS changes

	maxInMeshScore        = 10.0
	maxFirstDeliveryScore = 40.0
	decayToZero           = 0.01
	// dampening lowers the mesh-delivery thresholds below the expected rate.
	dampening = 90.0
)

// maxScore is the most a peer can earn over all weighted topic families.
func maxScore() float64 {
	total := weightBlock + weightAggregate + weightSyncContribution + weightAttestationTotal +
		weightSyncTotal + 4*weightOperation
	return (maxInMeshScore + maxFirstDeliveryScore) * total
}

// decay is the per-slot factor that takes a counter to decayToZero over d.
func (c Chain) decay(d time.Duration) float64 {
	n := float64(d / c.SlotDuration)
	return math.Pow(decayToZero, 1/n)
}

func (c Chain) epochs(n int) time.Duration { return time.Duration(n) * c.epoch() }

// limit is where a counter growing by rate per decay interval settles.
func limit(decay, rate float64) float64 { return rate / (1 - decay) }

// PeerScore returns the peer score parameters (no topics yet: each topic
// gets its TopicScore when joined) and thresholds.
func (c Chain) PeerScore() (*pubsub.PeerScoreParams, *pubsub.PeerScoreThresholds) {
	return &pubsub.PeerScoreParams{
			Topics:                      map[string]*pubsub.TopicScoreParams{},
			TopicScoreCap:               32.72,
			AppSpecificScore:            func(peer.ID) float64 { return 0 },
			AppSpecificWeight:           1,
			IPColocationFactorWeight:    -35.11,
			IPColocationFactorThreshold: 10,
			BehaviourPenaltyWeight:      -15.92,
			BehaviourPenaltyThreshold:   6,
			BehaviourPenaltyDecay:       c.decay(c.epochs(10)),
			DecayInterval:               c.SlotDuration,
			DecayToZero:                 decayToZero,
			RetainScore:                 c.epochs(100),
		}, &pubsub.PeerScoreThresholds{
			GossipThreshold:             -4000,
			PublishThreshold:            -8000,
			GraylistThreshold:           -16000,
			AcceptPXThreshold:           100,
			OpportunisticGraftThreshold: 5,
		}
}

// committeesPerSlot is get_committee_count_per_slot for an active count.
func (c Chain) committeesPerSlot() uint64 {
	n := c.ActiveValidators / c.SlotsPerEpoch / c.TargetCommitteeSize
	return max(1, min(c.MaxCommitteesPerSlot, n))
}

// base fills the parts every topic shares: time in mesh (up to an hour,
// counted per slot) and the invalid-delivery penalty (decaying over 50
// epochs). Mesh-delivery scoring stays off (weight 0), as in production
// clients, which found it penalises honest average nodes.
func (c Chain) base(weight, invalidWeight float64) *pubsub.TopicScoreParams {
	inMeshCap := float64(time.Hour / c.SlotDuration)
	return &pubsub.TopicScoreParams{
		TopicWeight:                    weight,
		TimeInMeshWeight:               maxInMeshScore / inMeshCap,
		TimeInMeshQuantum:              c.SlotDuration,
		TimeInMeshCap:                  inMeshCap,
		InvalidMessageDeliveriesWeight: invalidWeight,
		InvalidMessageDeliveriesDecay:  c.decay(c.epochs(50)),
	}
}

// rated is the shape of the high-rate topics (aggregates, contributions,
// subnets): first deliveries capped at what rate settles to, mesh
// deliveries tracked (weight 0) against a dampened rate.
func (c Chain) rated(weight float64, rate, meshRate float64, firstDecay, meshDecay int) *pubsub.TopicScoreParams {
	p := c.base(weight, -maxScore()/weight)
	fd, md := c.decay(c.epochs(firstDecay)), c.decay(c.epochs(meshDecay))
	firstCap := limit(fd, rate)
	meshThreshold := limit(md, meshRate) * md
	p.FirstMessageDeliveriesWeight = maxFirstDeliveryScore / firstCap
	p.FirstMessageDeliveriesDecay = fd
	p.FirstMessageDeliveriesCap = firstCap
	p.MeshMessageDeliveriesDecay = md
	p.MeshMessageDeliveriesCap = 4 * meshThreshold
	p.MeshMessageDeliveriesThreshold = meshThreshold
	p.MeshMessageDeliveriesWindow = 2 * time.Second
	p.MeshMessageDeliveriesActivation = c.epochs(1)
	p.MeshFailurePenaltyDecay = md
	return p
}

// operation is the shape of the rare-message topics (slashings, exits, BLS
// changes): a few first deliveries count for a long time.
func (c Chain) operation(firstWeight, firstCap float64) *pubsub.TopicScoreParams {
	p := c.base(weightOperation, -2000)
	p.FirstMessageDeliveriesWeight = firstWeight
	p.FirstMessageDeliveriesDecay = c.decay(c.epochs(100))
	p.FirstMessageDeliveriesCap = firstCap
	return p
}

// TopicScore returns the score parameters of a topic family (a base name
// of the gossip package), or nil when the topic stays unscored: subnet
// topics of a network too small to expect a steady rate on each subnet,
// and unknown families.
func (c Chain) TopicScore(base string) *pubsub.TopicScoreParams {
	switch base {
	case gossip.BeaconBlock, gossip.BlobSidecar, gossip.DataColumnSidecar:
		// Sidecars take the block's parameters, as in Prysm.
		p := c.base(weightBlock, -140.4475)
		p.FirstMessageDeliveriesWeight = 1
		p.FirstMessageDeliveriesDecay = c.decay(c.epochs(20))
		p.FirstMessageDeliveriesCap = 23
		blocks := float64(c.SlotsPerEpoch * 5)
		p.MeshMessageDeliveriesDecay = c.decay(c.epochs(5))
		p.MeshMessageDeliveriesCap = blocks
		p.MeshMessageDeliveriesThreshold = blocks / 10
		p.MeshMessageDeliveriesWindow = 2 * time.Second
		p.MeshMessageDeliveriesActivation = c.epochs(4)
		p.MeshFailurePenaltyDecay = c.decay(c.epochs(5))
		return p
	case gossip.BeaconAggregateAndProof:
		perSlot := c.committeesPerSlot() * c.TargetAggregatorsPerCommittee
		return c.rated(weightAggregate, float64(perSlot*2/D), float64(perSlot)/dampening, 1, 1)
	case gossip.SyncCommitteeContributionAndProof:
		perSlot := c.Subnets.SyncCommitteeSubnetCount * c.TargetAggregatorsPerSyncSubcommittee
		return c.rated(weightSyncContribution, float64(perSlot*2/D), float64(perSlot)/dampening, 1, 1)
	case gossip.BeaconAttestation:
		subnets := c.Subnets.AttestationSubnetCount
		if subnets == 0 || c.ActiveValidators < subnets*c.SlotsPerEpoch*D/2 {
			return nil
		}
		perSlot := c.ActiveValidators / subnets / c.SlotsPerEpoch
		firstDecay, meshDecay := 1, 4
		if c.committeesPerSlot() >= 2*subnets/c.SlotsPerEpoch {
			firstDecay, meshDecay = 4, 16
		}
		return c.rated(weightAttestationTotal/float64(subnets), float64(perSlot*2/D),
			float64(perSlot)/dampening, firstDecay, meshDecay)
	case gossip.SyncCommittee:
		subnets := c.Subnets.SyncCommitteeSubnetCount
		if subnets == 0 || c.ActiveValidators < subnets*D/2 {
			return nil
		}
		perSubnet := min(c.ActiveValidators, c.SyncCommitteeSize) / subnets
		return c.rated(weightSyncTotal/float64(subnets), float64(perSubnet*2/D),
			float64(perSubnet)/dampening, 1, 4)
	case gossip.AttesterSlashing, gossip.ProposerSlashing:
		return c.operation(36, 1)
	case gossip.VoluntaryExit, gossip.BLSToExecutionChange:
		return c.operation(2, 5)
	}
	return nil
}
