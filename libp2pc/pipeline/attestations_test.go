package pipeline

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// attTest is a pipeline (AnyFork) over a short synthetic chain with a
// clock the test moves, and an attestation validator on it.
type attTest struct {
	t     *testing.T
	c     *anyChain
	p     *Pipeline
	v     *AttestationValidator
	clock atomic.Int64 // unix seconds
}

func newAttTest(t *testing.T) *attTest { return newAttTestOn(t, newAnyChain(t)) }

func newAttTestOn(t *testing.T, c *anyChain) *attTest {
	at := &attTest{t: t, c: c}
	st, err := store.Open(t.TempDir(), testStoreOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := Init(st, at.c.tr, AnyState(at.c.genesis)); err != nil {
		t.Fatal(err)
	}
	p, err := Start(Config{GenesisTime: at.c.genesis.GenesisTime, SecondsPerSlot: testSecondsPerSlot,
		Now: func() time.Time { return time.Unix(at.clock.Load(), 0) }}, st, at.c.tr, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(); st.Close() })
	at.p = p
	if at.v, err = NewAttestationValidator(p, at.c.cfg); err != nil {
		t.Fatal(err)
	}
	return at
}

// at sets the clock to the start of slot (plus a second).
func (at *attTest) at(slot uint64) time.Time {
	at.clock.Store(int64(at.c.genesis.GenesisTime + slot*testSecondsPerSlot + 1))
	return time.Unix(at.clock.Load(), 0)
}

func (at *attTest) importBlock(r anyBlockRec) {
	at.t.Helper()
	if res := at.p.Import(r.ssz, ""); res.State != Included {
		at.t.Fatalf("block at slot %d: %v %s", r.slot, res.State, res.Rule)
	}
}

// committeeAttestation is the full attestation of committee 0 of attSlot
// on post (a state after attSlot), voting for the block at attSlot.
func (at *attTest) committeeAttestation(post *state.BeaconState, attSlot uint64) (*phase0.Attestation, []uint64) {
	at.t.Helper()
	s := post
	if s.Slot <= attSlot {
		s = post.Copy()
		if err := transition.AdvanceSlots(at.c.cfg, s, attSlot+1); err != nil {
			at.t.Fatal(err)
		}
	}
	a := at.c.attestations(s, attSlot)[0]
	committee, err := helpers.BeaconCommittee(s, attSlot, 0)
	if err != nil {
		at.t.Fatal(err)
	}
	return a, committee
}

// single returns the attestation of committee member i alone.
func (at *attTest) single(post *state.BeaconState, a *phase0.Attestation, committee []uint64, i int) *phase0.Attestation {
	at.t.Helper()
	root, _ := a.Data.HashTreeRoot()
	bits := make([]byte, len(committee)/8+1)
	bits[i/8] |= 1 << (i % 8)
	bits[len(committee)/8] |= 1 << (len(committee) % 8)
	return &phase0.Attestation{AggregationBits: bits, Data: a.Data,
		Signature: at.c.sign(post, config.DomainBeaconAttester, a.Data.Target.Epoch, root, committee[i])}
}

// aggregate wraps a in a SignedAggregateAndProof by aggregator.
func (at *attTest) aggregate(post *state.BeaconState, a *phase0.Attestation, aggregator uint64) []byte {
	at.t.Helper()
	epoch := a.Data.Slot / config.SlotsPerEpoch
	var slotRoot [32]byte
	binary.LittleEndian.PutUint64(slotRoot[:], a.Data.Slot)
	msg := &phase0.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: a,
		SelectionProof: at.c.sign(post, config.DomainSelectionProof, epoch, slotRoot, aggregator)}
	root, err := msg.HashTreeRoot()
	if err != nil {
		at.t.Fatal(err)
	}
	ssz, err := (&phase0.SignedAggregateAndProof{Message: msg,
		Signature: at.c.sign(post, config.DomainAggregateAndProof, epoch, root, aggregator)}).MarshalSSZ()
	if err != nil {
		at.t.Fatal(err)
	}
	return ssz
}

// TestGossipAggregateMovesTheHead: two sibling blocks; fork choice picks
// one by the root tie-break; an aggregate accepted from gossip voting for
// the other makes it the head. Duplicates are ignored, and every broken
// rule gets its REJECT or IGNORE with a reason.
func TestGossipAggregateMovesTheHead(t *testing.T) {
	at := newAttTest(t)
	c := at.c
	const last = 3
	blocks := c.build(last)
	at.at(last)
	for _, b := range blocks {
		at.importBlock(b)
	}
	tip := blocks[len(blocks)-1].post
	// Siblings at last+1: one with attestations, one without (different roots).
	sa, pa := c.produce(tip, last+1, true, nil)
	sb, pb := c.produce(tip, last+1, false, nil)
	ra, rb := c.record(sa, pa, true), c.record(sb, pb, true)
	now := at.at(last + 2)
	at.importBlock(ra)
	at.importBlock(rb)
	head, err := at.p.fc.Head()
	if err != nil {
		t.Fatal(err)
	}
	other, otherPost := ra, pa
	if head == ra.root {
		other, otherPost = rb, pb
	}
	a, committee := at.committeeAttestation(otherPost, last+1)
	if a.Data.BeaconBlockRoot != other.root {
		t.Fatalf("attestation votes for %x, want %x", a.Data.BeaconBlockRoot[:4], other.root[:4])
	}
	agg := at.aggregate(otherPost, a, committee[0])
	if r, why := at.v.ValidateAggregate(forks.Phase0, agg, now); r != Accept {
		t.Fatalf("aggregate: %v %s", r, why)
	}
	if got, err := at.p.fc.Head(); err != nil || got != other.root {
		t.Fatalf("head %x after the votes, want %x (%v)", got[:4], other.root[:4], err)
	}
	if n := at.v.Counters().VotesApplied; n != 1 {
		t.Fatalf("votes applied %d", n)
	}
	// The same aggregate again, and a subset of it by another aggregator.
	if r, why := at.v.ValidateAggregate(forks.Phase0, agg, now); r != Ignore || !strings.Contains(why, "already seen") {
		t.Errorf("duplicate: %v %s", r, why)
	}
	if len(committee) > 1 {
		sub := at.single(otherPost, a, committee, 0)
		if r, why := at.v.ValidateAggregate(forks.Phase0, at.aggregate(otherPost, sub, committee[1]), now); r != Ignore {
			t.Errorf("subset aggregate: %v %s", r, why)
		}
	}

	// Rule by rule, on the attestation of the other sibling's slot voting
	// for the current head (fresh data: not seen).
	hPost := pa
	if other.root == ra.root {
		hPost = pb
	}
	fresh, fc := at.committeeAttestation(hPost, last+1)
	ag := fc[len(fc)-1] // an aggregator that has not aggregated this epoch
	cases := []struct {
		name string
		ssz  func() []byte
		at   time.Time
		want GossipResult
		why  string
	}{
		{"garbage", func() []byte { return []byte{1, 2, 3} }, now, Reject, "undecodable"},
		{"bad aggregate signature", func() []byte {
			x := *fresh
			x.Signature = a.Signature
			return at.aggregate(hPost, &x, ag)
		}, now, Reject, "invalid attestation signature"},
		{"aggregator outside the committee", func() []byte {
			out := uint64(0)
			for in := true; in; out++ {
				in = false
				for _, m := range fc {
					in = in || m == out
				}
				if !in {
					break
				}
			}
			return at.aggregate(hPost, fresh, out)
		}, now, Reject, "aggregator is not in the committee"},
		{"bad aggregator signature", func() []byte {
			m := new(phase0.SignedAggregateAndProof)
			if err := m.UnmarshalSSZ(at.aggregate(hPost, fresh, ag)); err != nil {
				t.Fatal(err)
			}
			m.Signature = m.Message.SelectionProof // a valid signature, of something else
			out, _ := m.MarshalSSZ()
			return out
		}, now, Reject, "invalid aggregator signature"},
		{"wrong target epoch", func() []byte {
			x := *fresh
			d := *x.Data
			tg := *d.Target
			tg.Epoch++
			d.Target = &tg
			x.Data = &d
			return at.aggregate(hPost, &x, ag)
		}, now, Reject, "target epoch"},
		{"unknown block", func() []byte {
			x := *fresh
			d := *x.Data
			d.BeaconBlockRoot = Root{9}
			x.Data = &d
			return at.aggregate(hPost, &x, ag)
		}, now, Ignore, "unknown block"},
		{"future slot", func() []byte { return at.aggregate(hPost, fresh, ag) },
			time.Unix(int64(c.genesis.GenesisTime+last*testSecondsPerSlot), 0), Ignore, "future slot"},
		{"old slot", func() []byte { return at.aggregate(hPost, fresh, ag) },
			time.Unix(int64(c.genesis.GenesisTime+(last+3+AttestationPropagationSlotRange)*testSecondsPerSlot), 0), Ignore, "ATTESTATION_PROPAGATION_SLOT_RANGE"},
	}
	for _, tc := range cases {
		r, why := at.v.ValidateAggregate(forks.Phase0, tc.ssz(), tc.at)
		if r != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("%s: %v %q, want %v %q", tc.name, r, why, tc.want, tc.why)
		}
	}
	// The fresh aggregate itself is valid (only the mutations failed).
	if r, why := at.v.ValidateAggregate(forks.Phase0, at.aggregate(hPost, fresh, ag), now); r != Accept {
		t.Errorf("fresh aggregate: %v %s", r, why)
	}
	cn := at.v.Counters()
	t.Logf("counters %+v", cn)
	if cn.Accepted != 2 || cn.Rejected < 5 || cn.Ignored < 4 {
		t.Errorf("counters %+v", cn)
	}
}

// TestGossipSubnetAttestation: unaggregated attestations on their subnet
// are accepted once per validator and target epoch, deferred to fork
// choice while their slot is current; the wrong subnet, two bits or a bad
// signature are rejected.
func TestGossipSubnetAttestation(t *testing.T) {
	at := newAttTest(t)
	c := at.c
	const last = 4
	blocks := c.build(last)
	at.at(last)
	for _, b := range blocks {
		at.importBlock(b)
	}
	tip := blocks[len(blocks)-1].post
	a, committee := at.committeeAttestation(tip, last)
	perSlot := helpers.CommitteeCountPerSlot(tip, last/config.SlotsPerEpoch)
	subnet := (perSlot*(last%config.SlotsPerEpoch) + 0) % AttestationSubnetCount
	ssz := func(x *phase0.Attestation) []byte {
		b, err := x.MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// During slot `last` the vote waits; it is applied once the slot passes.
	now := at.at(last)
	one := at.single(tip, a, committee, 0)
	if r, why := at.v.ValidateSubnetAttestation(forks.Phase0, subnet, ssz(one), now); r != Accept {
		t.Fatalf("single attestation: %v %s", r, why)
	}
	if cn := at.v.Counters(); cn.VotesDeferred != 1 || cn.VotesApplied != 0 {
		t.Fatalf("current-slot vote: %+v", cn)
	}
	at.at(last + 1)
	at.v.Flush()
	if cn := at.v.Counters(); cn.VotesApplied != 1 {
		t.Fatalf("after the slot: %+v", cn)
	}
	now = at.at(last + 1)
	if r, why := at.v.ValidateSubnetAttestation(forks.Phase0, subnet, ssz(one), now); r != Ignore || !strings.Contains(why, "already seen") {
		t.Errorf("duplicate: %v %s", r, why)
	}
	if r, why := at.v.ValidateSubnetAttestation(forks.Phase0, (subnet+1)%AttestationSubnetCount, ssz(one), now); r != Reject || !strings.Contains(why, "subnet") {
		t.Errorf("wrong subnet: %v %s", r, why)
	}
	if len(committee) > 1 {
		if r, why := at.v.ValidateSubnetAttestation(forks.Phase0, subnet, ssz(a), now); r != Reject || !strings.Contains(why, "unaggregated") {
			t.Errorf("aggregate on a subnet: %v %s", r, why)
		}
		two := at.single(tip, a, committee, 1)
		two.Signature = one.Signature
		if r, why := at.v.ValidateSubnetAttestation(forks.Phase0, subnet, ssz(two), now); r != Reject || !strings.Contains(why, "signature") {
			t.Errorf("someone else's signature: %v %s", r, why)
		}
		// The second member's own attestation is accepted (first of its validator).
		if r, why := at.v.ValidateSubnetAttestation(forks.Phase0, subnet, ssz(at.single(tip, a, committee, 1)), now); r != Accept {
			t.Errorf("second member: %v %s", r, why)
		}
	}
}

// electraChain is the AnyFork test chain with every fork through electra
// at genesis: testchain's phase0 genesis upgraded five times.
func electraChain(t testing.TB) *anyChain {
	c := newAnyChain(t)
	cfg := anyConfig()
	for i, f := range []string{"ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA"} {
		cfg.Raw[f+"_FORK_VERSION"] = fmt.Sprintf("0x0%d000001", i+1)
		cfg.Raw[f+"_FORK_EPOCH"] = "0"
	}
	c.cfg = cfg
	c.tr = AnyFork{Cfg: cfg}
	g := c.genesis.Copy()
	for f := forks.Altair; f <= forks.Electra; f++ {
		if err := transition.Upgrade(cfg, g, f); err != nil {
			t.Fatal(err)
		}
	}
	c.genesis = g
	var err error
	if c.gRoot, _, err = c.tr.Anchor(AnyState(g)); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGossipAttestationsElectra: the electra formats. An aggregate names
// its committee by committee_bits (exactly one) with data.index 0; subnet
// attestations are SingleAttestations naming the attester. Both are
// validated with real signatures and their votes applied.
func TestGossipAttestationsElectra(t *testing.T) {
	at := newAttTestOn(t, electraChain(t))
	c := at.c
	const last = 3
	pre := c.genesis
	var posts []*state.BeaconState
	for slot := uint64(1); slot <= last; slot++ {
		sb, post := c.produce(pre, slot, false, func(b *state.BeaconBlock) {
			// A post-merge payload that passes the consensus checks
			// (capella+ always processes the payload).
			s := pre.Copy()
			if err := transition.AdvanceSlots(c.cfg, s, b.Slot); err != nil {
				t.Fatal(err)
			}
			b.Body.ExecutionPayload = &deneb.ExecutionPayload{
				ParentHash: s.LatestExecutionPayloadHeader.BlockHash, BlockHash: [32]byte{byte(b.Slot), 1},
				PrevRandao: helpers.RandaoMix(s, helpers.CurrentEpoch(s)), BlockNumber: b.Slot,
				Timestamp: s.GenesisTime + b.Slot*c.cfg.SecondsPerSlot}
			ws, err := transition.ExpectedWithdrawals(s)
			if err != nil {
				t.Fatal(err)
			}
			b.Body.ExecutionPayload.Withdrawals = ws
			if b.Body.ExecutionRequests == nil {
				b.Body.ExecutionRequests = &electra.ExecutionRequests{}
			}
		})
		at.at(last)
		at.importBlock(c.record(sb, post, true))
		posts, pre = append(posts, post), post
	}
	tip := posts[len(posts)-1]
	attSlot := uint64(last - 1)
	p0, committee := at.committeeAttestation(tip, attSlot) // phase0-shaped: take data and signatures
	data := *p0.Data
	data.Index = 0
	root, _ := data.HashTreeRoot()
	var sigs [][96]byte
	for _, v := range committee {
		sigs = append(sigs, c.sign(tip, config.DomainBeaconAttester, data.Target.Epoch, root, v))
	}
	agg := &electra.Attestation{AggregationBits: p0.AggregationBits, Data: &data, Signature: c.aggregate(sigs)}
	agg.CommitteeBits[0] = 1 // committee 0
	epoch := attSlot / config.SlotsPerEpoch
	var slotRoot [32]byte
	binary.LittleEndian.PutUint64(slotRoot[:], attSlot)
	aggregateSSZ := func(a *electra.Attestation, aggregator uint64) []byte {
		msg := &electra.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: a,
			SelectionProof: c.sign(tip, config.DomainSelectionProof, epoch, slotRoot, aggregator)}
		r, _ := msg.HashTreeRoot()
		ssz, err := (&electra.SignedAggregateAndProof{Message: msg,
			Signature: c.sign(tip, config.DomainAggregateAndProof, epoch, r, aggregator)}).MarshalSSZ()
		if err != nil {
			t.Fatal(err)
		}
		return ssz
	}
	now := at.at(last + 1)
	two := *agg
	two.CommitteeBits[0] = 3 // committees 0 and 1
	if r, why := at.v.ValidateAggregate(forks.Electra, aggregateSSZ(&two, committee[0]), now); r != Reject || !strings.Contains(why, "exactly one committee") {
		t.Errorf("two committee bits: %v %s", r, why)
	}
	if r, why := at.v.ValidateAggregate(forks.Electra, aggregateSSZ(agg, committee[0]), now); r != Accept {
		t.Fatalf("electra aggregate: %v %s", r, why)
	}
	// A SingleAttestation of the last committee member on its subnet.
	i := len(committee) - 1
	single := &electra.SingleAttestation{CommitteeIndex: 0, AttesterIndex: committee[i], Data: &data,
		Signature: c.sign(tip, config.DomainBeaconAttester, data.Target.Epoch, root, committee[i])}
	ssz, _ := single.MarshalSSZ()
	perSlot := helpers.CommitteeCountPerSlot(tip, epoch)
	subnet := (perSlot * (attSlot % config.SlotsPerEpoch)) % AttestationSubnetCount
	if r, why := at.v.ValidateSubnetAttestation(forks.Electra, subnet, ssz, now); r != Accept {
		t.Fatalf("single attestation: %v %s", r, why)
	}
	wrong := *single
	wrong.AttesterIndex = committee[i] + 1000 // not in the committee
	ssz, _ = wrong.MarshalSSZ()
	if r, why := at.v.ValidateSubnetAttestation(forks.Electra, subnet, ssz, now); r != Reject || !strings.Contains(why, "not in the committee") {
		t.Errorf("outsider: %v %s", r, why)
	}
	if cn := at.v.Counters(); cn.Accepted != 2 || cn.VotesApplied != 2 {
		t.Errorf("counters %+v", cn)
	}
}
