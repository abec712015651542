//go:build interop

package interop

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/gossip"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
)

// forkVersionKey is the config key of the fork version a chain starting at
// fork has at genesis.
var forkVersionKey = map[Fork]string{
	Phase0:    "GENESIS_FORK_VERSION",
	Altair:    "ALTAIR_FORK_VERSION",
	Bellatrix: "BELLATRIX_FORK_VERSION",
}

// TestLodestarDevChains: each dev chain Lodestar 1.5.1 runs produces
// blocks; the harness reads its identity, genesis, fork, config and blocks
// (as SSZ, decoded with libp2pc's consensus types under -tags minimal).
func TestLodestarDevChains(t *testing.T) {
	RequireEnv(t)
	for _, f := range Forks {
		t.Run(string(f), func(t *testing.T) {
			l := StartLodestar(t, LodestarOptions{Fork: f})
			first := l.WaitHeadSlot(t, 1, 60*time.Second)
			tFirst := time.Since(l.Started)
			head := l.WaitHeadSlot(t, first.Slot+2, 10*time.Duration(l.Opts.SecondsPerSlot)*time.Second)
			t.Logf("TIMING %s: REST up %.1fs, first block (slot %d) %.1fs, slot %d at %.1fs after start",
				f, l.RESTUp.Seconds(), first.Slot, tFirst.Seconds(), head.Slot, time.Since(l.Started).Seconds())

			id := l.Identity(t)
			if id.PeerID == "" || !strings.Contains(l.P2PAddr(t), "/p2p/"+id.PeerID) {
				t.Errorf("identity %+v, addr %s", id, l.P2PAddr(t))
			}
			g := l.Genesis(t)
			if g.GenesisValidatorsRoot == ([32]byte{}) || time.Since(g.GenesisTime) > time.Hour || time.Until(g.GenesisTime) > time.Minute {
				t.Errorf("genesis %+v", g)
			}
			spec := l.Spec(t)
			var want [4]byte
			mustHex(t, spec[forkVersionKey[f]], want[:])
			fi := l.Fork(t)
			if fi.Current != want {
				t.Errorf("fork current version %x, want %x (%s)", fi.Current, want, forkVersionKey[f])
			}
			// The config Lodestar reports parses as a consensus config and
			// gives the digest Lodestar's topics use.
			cfg, err := config.ParseConfig(l.ConfigYAML(t))
			if err != nil {
				t.Fatalf("config from /eth/v1/config/spec: %v", err)
			}
			sched, err := forkdigest.NewSchedule(cfg, g.GenesisValidatorsRoot)
			if err != nil {
				t.Fatalf("schedule: %v", err)
			}
			d, err := sched.Digest(0)
			if err != nil || d != l.ForkDigest(t) {
				t.Errorf("schedule digest %s (%v), lodestar fork digest %s", d, err, l.ForkDigest(t))
			}

			blk, ver, err := l.BlockSSZ("0x" + hex.EncodeToString(head.Root[:]))
			if err != nil {
				t.Fatal(err)
			}
			if ver != string(f) {
				t.Errorf("block version %q, want %q", ver, f)
			}
			if !DecodeBlocksSupported {
				t.Logf("block %d bytes; not decoded (needs -tags minimal)", len(blk))
				return
			}
			slot, root, err := DecodeBlock(ver, blk)
			if err != nil {
				t.Fatalf("decode %s block: %v", ver, err)
			}
			if slot != head.Slot || root != head.Root {
				t.Errorf("decoded block slot %d root %x, header slot %d root %x", slot, root, head.Slot, head.Root)
			}
		})
	}
}

// TestLodestarConnect: libp2pc dials Lodestar over TCP + noise with each
// muxer (Lodestar restricted to it through INTEROP_MUXERS); both sides see
// the connection.
func TestLodestarConnect(t *testing.T) {
	RequireEnv(t)
	for _, mux := range []struct{ name, proto string }{
		{"yamux", "/yamux/1.0.0"},
		{"mplex", "/mplex/6.7.0"},
	} {
		t.Run(mux.name, func(t *testing.T) {
			l := StartLodestar(t, LodestarOptions{Fork: Phase0, Muxers: mux.name})
			lid := l.Identity(t).PeerID
			g := StartGoNode(t, nil)
			req, err := g.Dial(l.P2PAddr(t))
			g.MustOK(t, req, err, "dial lodestar")
			e := g.WaitFor(t, 10*time.Second, "PeerConnected(lodestar)", IsPeer(events.PeerConnected, lid))
			if e.Direction != "outbound" {
				t.Errorf("direction %q, want outbound", e.Direction)
			}
			if got := g.Muxer(lid); got != mux.proto {
				t.Errorf("muxer %q, want %q", got, mux.proto)
			}
			p := l.WaitPeer(t, g.ID().String(), 15*time.Second)
			if p.Direction != "inbound" {
				t.Errorf("lodestar sees direction %q, want inbound", p.Direction)
			}
			t.Logf("connected over %s; lodestar lists %+v", g.Muxer(lid), p)
		})
	}
}

// altairID is the consensus (Altair+) message-id as node.Config.MessageID.
func altairID(topic string, data []byte) []byte {
	id := gossip.MessageIDAltair(topic, data)
	return id[:]
}

// TestJSGossip: libp2pc and js-libp2p/gossipsub exchange messages both ways
// on an eth2-style topic with snappy payloads, StrictNoSign and the
// consensus message-id, whichever side dials; both compute the same ids.
func TestJSGossip(t *testing.T) {
	RequireEnv(t)
	for _, goDials := range []bool{true, false} {
		name := map[bool]string{true: "libp2pc_dials", false: "js_dials"}[goDials]
		t.Run(name, func(t *testing.T) {
			topic := DefaultTopic
			g := StartGoNode(t, func(c *node.Config) { c.MessageID = altairID })
			var js *JSPeer
			if goDials {
				js = StartJSPeer(t, JSPeerOptions{Topic: topic, Seconds: 60})
				req, err := g.Dial(js.Addr())
				g.MustOK(t, req, err, "dial js peer")
			} else {
				js = StartJSPeer(t, JSPeerOptions{Topic: topic, Seconds: 60, Dial: g.ListenAddr(t)})
			}
			e := g.WaitFor(t, 15*time.Second, "PeerConnected(js)", IsPeer(events.PeerConnected, js.PeerID))
			t.Logf("connected %s over %s", e.Direction, g.Muxer(js.PeerID))
			req, err := g.Subscribe(topic)
			g.MustOK(t, req, err, "subscribe")
			g.WaitFor(t, 15*time.Second, "js peer joins topic", func(e events.Event) bool {
				return e.Type == events.TopicPeerJoined && e.PeerID == js.PeerID && e.Topic == topic
			})
			js.WaitLineT(t, 15*time.Second, "libp2pc joins topic", func(l string) bool {
				return l == "SUBSCRIBED "+g.ID().String()+" "+topic
			})

			// libp2pc -> js: publish until one arrives (the mesh may still be forming).
			var got JSMessage
			for i := 0; ; i++ {
				text := fmt.Sprintf("go-msg-%d", i)
				req, err := g.Publish(topic, gossip.EncodePayload([]byte(text)))
				g.MustOK(t, req, err, "publish "+text)
				line, err := js.WaitLine(time.Second, func(l string) bool { return strings.HasPrefix(l, "RECV ") && strings.Contains(l, " go-msg-") })
				if err == nil {
					_, got, _ = parseMsg(line)
					break
				}
				if i == 20 {
					t.Fatalf("js peer received none of %d messages", i+1)
				}
			}
			if got.From != g.ID().String() || got.Topic != topic {
				t.Errorf("js received %s from %s", got, got.From)
			}
			if want := altairID(topic, gossip.EncodePayload([]byte(got.Text))); got.MsgID != hex.EncodeToString(want) {
				t.Errorf("js message-id %s for %q, libp2pc computes %x", got.MsgID, got.Text, want)
			}

			// js -> libp2pc: js publishes once a second.
			m := g.WaitFor(t, 20*time.Second, "message from js", func(e events.Event) bool {
				return e.Type == events.Message && e.PeerID == js.PeerID && e.Topic == topic
			})
			text, err := gossip.DecodePayload(m.Data, 0)
			if err != nil || !bytes.HasPrefix(text, []byte("js-msg-")) {
				t.Fatalf("message from js: %q (%v)", m.Data, err)
			}
			if want := altairID(topic, m.Data); !bytes.Equal(m.MsgID, want) {
				t.Errorf("message-id %x, want %x", m.MsgID, want)
			}
			// The SENT line follows publish's completion, which may come after
			// the message reached us.
			line := js.WaitLineT(t, 5*time.Second, "SENT "+string(text), func(l string) bool {
				k, s, ok := parseMsg(l)
				return ok && k == "SENT" && s.Text == string(text)
			})
			if _, sent, _ := parseMsg(line); sent.MsgID != hex.EncodeToString(m.MsgID) {
				t.Errorf("js computed message-id %s for %q, libp2pc %x", sent.MsgID, text, m.MsgID)
			}
			t.Logf("libp2pc->js %s; js->libp2pc %q (%x)", got, text, m.MsgID)
		})
	}
}
