//go:build interop

package interop

// Tests against Lodestar that use the node's eth2 layers: req/resp (status,
// ping, metadata served by the library; blocks_by_range / blocks_by_root as
// async requests with ResponseChunk events) and eth2 gossip (consensus
// parameters and message-id, topics under the fork digest).

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/eth2"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqrespnet"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// statusBehind is a Status on Lodestar's chain that is at genesis: same fork
// digest and finalized checkpoint, head = the genesis block.
func statusBehind(t *testing.T, l *Lodestar) reqrespnet.Status {
	t.Helper()
	gen, err := l.Header("genesis")
	if err != nil {
		t.Fatal(err)
	}
	fin := l.Finality(t)
	return reqrespnet.Status{ForkDigest: l.ForkDigest(t), FinalizedRoot: fin.Root, FinalizedEpoch: fin.Epoch,
		HeadRoot: gen.Root, HeadSlot: gen.Slot}
}

// blockSlot reads the slot of an SSZ SignedBeaconBlock (message offset,
// then BeaconBlock.slot first).
func blockSlot(b []byte) (uint64, error) {
	if len(b) < 4 {
		return 0, fmt.Errorf("block of %d bytes", len(b))
	}
	off := binary.LittleEndian.Uint32(b)
	if uint64(off)+8 > uint64(len(b)) {
		return 0, fmt.Errorf("block message offset %d beyond %d bytes", off, len(b))
	}
	return binary.LittleEndian.Uint64(b[off:]), nil
}

// request sends a req/resp request and returns its chunks once RequestDone
// arrives (which must succeed).
func request(t *testing.T, g *GoNode, peerID, proto string, body []byte) []events.Event {
	t.Helper()
	id, err := g.Request(peerID, proto, body, 15*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", proto, err)
	}
	done := g.WaitFor(t, 30*time.Second, proto+" done", IsDone(id))
	if done.Status != 0 {
		t.Fatalf("request %s failed: %d %s", proto, done.Status, done.Text)
	}
	chunks := g.Find(func(e events.Event) bool { return e.Type == events.ResponseChunk && e.RequestID == id })
	if uint64(len(chunks)) != done.Code {
		t.Errorf("%s: %d chunk events, RequestDone says %d", proto, len(chunks), done.Code)
	}
	return chunks
}

// TestLodestarReqResp: the status handshake with Lodestar, ping and
// metadata, and blocks by range and by root, whose SSZ must equal what
// Lodestar's REST API serves; Lodestar keeps the connection past its status
// deadline.
//
// It runs on each dev chain (their fork digests and block types differ).
// On phase0 the node stays connected for stayPhase0 — several of
// Lodestar's 20 s ping / metadata rounds — and on the others past
// Lodestar's status deadline.
func TestLodestarReqResp(t *testing.T) {
	RequireEnv(t)
	for _, f := range Forks {
		stay := 30 * time.Second
		if f == Phase0 {
			stay = stayPhase0
		}
		t.Run(string(f), func(t *testing.T) { lodestarReqResp(t, f, stay) })
	}
}

// stayPhase0: how long the phase0 run keeps the connection to Lodestar.
const stayPhase0 = 2 * time.Minute

func lodestarReqResp(t *testing.T, f Fork, stay time.Duration) {
	l := StartLodestar(t, LodestarOptions{Fork: f, ExtraArgs: strings.Fields(os.Getenv("INTEROP_LODESTAR_ARGS"))})
	head := l.WaitHeadSlot(t, 4, 60*time.Second)
	lid := l.Identity(t).PeerID
	digest := l.ForkDigest(t)

	g := StartGoNode(t, nil)
	if err := g.SetStatus(statusBehind(t, l)); err != nil {
		t.Fatal(err)
	}
	if err := g.SetMetadata(reqrespnet.Metadata{SeqNumber: 1}); err != nil {
		t.Fatal(err)
	}
	connected := time.Now()
	req, err := g.Dial(l.P2PAddr(t))
	g.MustOK(t, req, err, "dial lodestar")

	st := g.WaitFor(t, 20*time.Second, "PeerStatus(lodestar)", IsPeer(events.PeerStatus, lid))
	if st.Status != 0 {
		t.Fatalf("status handshake: %d %s", st.Status, st.Text)
	}
	ls, err := reqrespnet.UnmarshalStatus(st.Data)
	if err != nil {
		t.Fatal(err)
	}
	if ls.ForkDigest != digest || ls.HeadSlot < head.Slot {
		t.Errorf("lodestar status %+v (digest want %s, head >= %d)", ls, digest, head.Slot)
	}

	// ping and metadata, answered by Lodestar.
	if c := request(t, g, lid, reqresp.PingV1.ID(), reqrespnet.Uint64(1)); len(c) != 1 || len(c[0].Data) != 8 {
		t.Errorf("ping: %+v", c)
	}
	if c := request(t, g, lid, reqresp.MetadataV2.ID(), nil); len(c) != 1 || len(c[0].Data) != reqrespnet.MetadataV2Size {
		t.Errorf("metadata: %+v", c)
	} else if md, err := reqrespnet.UnmarshalMetadata(c[0].Data); err != nil {
		t.Errorf("metadata: %v", err)
	} else {
		t.Logf("lodestar metadata %+v", md)
	}

	// blocks_by_range v2: slots 1..head, each chunk the REST block's SSZ.
	body := make([]byte, 24)
	binary.LittleEndian.PutUint64(body[0:], 1)
	binary.LittleEndian.PutUint64(body[8:], head.Slot)
	binary.LittleEndian.PutUint64(body[16:], 1)
	chunks := request(t, g, lid, reqresp.BeaconBlocksByRangeV2.ID(), body)
	if len(chunks) == 0 {
		t.Fatalf("blocks_by_range: no blocks for slots 1..%d", head.Slot)
	}
	for _, c := range chunks {
		slot, err := blockSlot(c.Data)
		if err != nil || c.Code != 0 || !bytes.Equal(c.Context, digest[:]) {
			t.Fatalf("chunk code %d context %x slot %d (%v)", c.Code, c.Context, slot, err)
		}
		want, _, err := l.BlockSSZ(fmt.Sprint(slot))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c.Data, want) {
			t.Errorf("block at slot %d: %d bytes by range, %d bytes by REST, differ", slot, len(c.Data), len(want))
		}
	}

	// blocks_by_root v2 of the head.
	chunks = request(t, g, lid, reqresp.BeaconBlocksByRootV2.ID(), head.Root[:])
	want, _, err := l.BlockSSZ("0x" + hex.EncodeToString(head.Root[:]))
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 1 || !bytes.Equal(chunks[0].Data, want) {
		t.Errorf("blocks_by_root(head): %d chunks", len(chunks))
	}

	// Lodestar drops peers that fail status within ~15-30 s, and pings /
	// asks metadata every 20 s: we must still be there after stay, and
	// the library must have answered those requests itself.
	time.Sleep(time.Until(connected.Add(stay)))
	if d := g.Find(IsPeer(events.PeerDisconnected, lid)); len(d) > 0 {
		t.Fatalf("lodestar disconnected us: %+v; goodbyes %+v", d, g.Find(IsType(events.PeerGoodbye)))
	}
	l.WaitPeer(t, g.ID().String(), 5*time.Second)
	c, err := g.ReqRespCounters()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after %s connected: req/resp counters %+v", stay, c)
	// Lodestar pings every ~20 s; the library answers without the host.
	if want := uint64(stay / (30 * time.Second)); c.PingsServed < want {
		t.Errorf("%d pings answered in %s, want at least %d", c.PingsServed, stay, want)
	}
}

// TestLodestarGossip: a libp2pc node configured for Lodestar's chain
// (config from /eth/v1/config/spec, genesis) subscribes to beacon_block
// and receives the blocks Lodestar proposes, as Message events with the
// decompressed SSZ, equal to the REST API's block.
func TestLodestarGossip(t *testing.T) {
	RequireEnv(t)
	for _, f := range Forks {
		t.Run(string(f), func(t *testing.T) {
			l := StartLodestar(t, LodestarOptions{Fork: f})
			l.WaitHeadSlot(t, 1, 60*time.Second)
			lid := l.Identity(t).PeerID
			gen := l.Genesis(t)
			cfg, err := node.Eth2ConfigFromYAML(l.ConfigYAML(t), gen.GenesisTime, gen.GenesisValidatorsRoot)
			if err != nil {
				t.Fatal(err)
			}
			g := StartGoNodeWith(t, nil, func(n *node.Node) error { return n.ConfigureEth2(cfg) })
			if err := g.SetStatus(statusBehind(t, l)); err != nil {
				t.Fatal(err)
			}
			// Blocks are validated in Go: they must decode with our
			// types for this fork, and not be from a future slot.
			if err := g.RegisterEth2Validator("beacon_block", blockValidator(t, f, l)); err != nil {
				t.Fatal(err)
			}
			req, err := g.Eth2Subscribe("beacon_block", node.ValidateGo)
			g.MustOK(t, req, err, "eth2 subscribe beacon_block")
			req, err = g.Dial(l.P2PAddr(t))
			g.MustOK(t, req, err, "dial lodestar")
			topic := "/eth2/" + l.ForkDigest(t).String() + "/beacon_block/ssz_snappy"
			g.WaitFor(t, 20*time.Second, "lodestar joins beacon_block", func(e events.Event) bool {
				return e.Type == events.TopicPeerJoined && e.PeerID == lid && e.Topic == topic
			})
			m := g.WaitFor(t, 30*time.Second, "a block from lodestar", func(e events.Event) bool {
				return e.Type == events.Message && e.Topic == topic && e.PeerID == lid
			})
			slot, err := blockSlot(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := l.WaitBlockSSZ(t, fmt.Sprint(slot), 5*time.Second)
			if !bytes.Equal(m.Data, want) {
				t.Errorf("gossip block at slot %d (%d bytes) differs from REST (%d bytes)", slot, len(m.Data), len(want))
			}
			// The message-id is the fork's consensus one (phase0: without
			// the topic); it depends only on the decompressed data.
			wantID := gossip.MessageIDForFork(map[Fork]eth2.Fork{Phase0: eth2.Phase0, Altair: eth2.Altair, Bellatrix: eth2.Bellatrix}[f],
				topic, gossip.EncodePayload(m.Data))
			if !bytes.Equal(m.MsgID, wantID[:]) {
				t.Errorf("message-id %x, want %x", m.MsgID, wantID)
			}
			c := g.Eth2Counters().Topics["beacon_block"]
			if c.Accepted == 0 || c.Rejected != 0 {
				t.Errorf("beacon_block validation counters %+v: want accepted > 0, none rejected", c)
			}
			t.Logf("block of slot %d by gossip, message-id %x, validation %+v", slot, m.MsgID, c)
		})
	}
}

// blockValidator is a Go gossip validator for Lodestar's beacon blocks:
// REJECT what does not decode as this fork's SignedBeaconBlock (needs the
// minimal-preset build), IGNORE a block from a future slot (beyond the
// wall-clock slot plus one), ACCEPT otherwise.
func blockValidator(t *testing.T, f Fork, l *Lodestar) node.Eth2Validator {
	gen := l.Genesis(t)
	slotDur := time.Duration(l.Opts.SecondsPerSlot) * time.Second
	return func(_ context.Context, m *node.Eth2Message) (node.ValidationResult, string) {
		var slot uint64
		var err error
		if DecodeBlocksSupported {
			slot, _, err = DecodeBlock(string(f), m.Data)
		} else {
			slot, err = blockSlot(m.Data)
		}
		if err != nil {
			return node.ValidationReject, "undecodable block"
		}
		now := uint64(time.Since(gen.GenesisTime) / slotDur)
		if slot > now+1 {
			return node.ValidationIgnore, "future slot"
		}
		return node.ValidationAccept, ""
	}
}
