package node

import (
	"fmt"
	"testing"

	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/membership"
	"github.com/libp2pc/libp2pc/libp2pc/status"
)

func memberMsgsFrom(r *recorder, from string) []string {
	var out []string
	for _, e := range r.snapshot() {
		if e.Type == events.MemberMessage && e.PeerID == from {
			out = append(out, string(e.Data))
		}
	}
	return out
}

// TestMembershipTwoNodes: for both transports, two running nodes form a
// membership; send and broadcast arrive as MemberMessage events in order,
// with the sender's member id; errors map to status codes; counters count;
// stopping the node closes the module (calls then return Stopped).
func TestMembershipTwoNodes(t *testing.T) {
	for _, tr := range []string{"libp2p", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			a, ra := startNode(t, nil)
			b, rb := startNode(t, nil)
			if err := a.SetMembership(nil); status.CodeOf(err) != status.BadState {
				t.Fatalf("set before start: %v", err)
			}
			cfg := func(id string) MembershipConfig {
				if tr == "tcp" {
					return MembershipConfig{Transport: "tcp", TCPNodeID: id}
				}
				return MembershipConfig{Transport: "libp2p"}
			}
			if err := a.StartMembership(MembershipConfig{Transport: "udp"}); status.CodeOf(err) != status.InvalidArgument {
				t.Fatalf("bad transport: %v", err)
			}
			if err := a.StartMembership(cfg("a")); err != nil {
				t.Fatal(err)
			}
			if err := a.StartMembership(cfg("a")); status.CodeOf(err) != status.BadState {
				t.Fatalf("second start: %v", err)
			}
			if err := b.StartMembership(cfg("")); err != nil {
				t.Fatal(err)
			}
			ida, addra, _ := a.MembershipLocal()
			idb, addrb, _ := b.MembershipLocal()
			if tr == "libp2p" && (ida != a.ID().String() || idb != b.ID().String()) {
				t.Fatalf("libp2p ids %s %s", ida, idb)
			}
			if tr == "tcp" && (ida != "a" || idb != b.ID().String()) {
				t.Fatalf("tcp ids %s %s (b must default to its peer id)", ida, idb)
			}
			ms := []membership.Member{{ID: membership.NodeID(ida), Addr: addra}, {ID: membership.NodeID(idb), Addr: addrb}}
			if err := a.SetMembership([]membership.Member{{ID: "", Addr: addrb}}); status.CodeOf(err) != status.InvalidArgument {
				t.Fatalf("invalid member: %v", err)
			}
			for _, n := range []*Node{a, b} {
				if err := n.SetMembership(ms); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.MemberSend("nobody", []byte("x")); status.CodeOf(err) != status.NotFound {
				t.Fatalf("send to non-member: %v", err)
			}
			if err := a.MemberSend(ida, []byte("x")); status.CodeOf(err) != status.InvalidArgument {
				t.Fatalf("send to self: %v", err)
			}
			if err := a.MemberSend(idb, make([]byte, a.cfg.MaxMessageSize+1)); status.CodeOf(err) != status.TooLarge {
				t.Fatalf("too large: %v", err)
			}
			const k = 50
			for i := 0; i < k; i++ {
				if err := a.MemberSend(idb, []byte(fmt.Sprintf("s%d", i))); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.MemberBroadcast([]byte("bcast")); err != nil {
				t.Fatal(err)
			}
			if err := b.MemberBroadcast([]byte("from-b")); err != nil {
				t.Fatal(err)
			}
			rb.waitFor(t, "broadcast at b", func(e events.Event) bool {
				return e.Type == events.MemberMessage && string(e.Data) == "bcast"
			})
			ra.waitFor(t, "broadcast at a", func(e events.Event) bool {
				return e.Type == events.MemberMessage && string(e.Data) == "from-b" && e.PeerID == idb
			})
			got := memberMsgsFrom(rb, ida)
			if len(got) != k+1 {
				t.Fatalf("b got %d messages from a, want %d: %v", len(got), k+1, got)
			}
			for i := 0; i < k; i++ {
				if got[i] != fmt.Sprintf("s%d", i) {
					t.Fatalf("message %d is %q: out of order", i, got[i])
				}
			}
			ca, err := a.MembershipCounters()
			if err != nil {
				t.Fatal(err)
			}
			cb, _ := b.MembershipCounters()
			if ca.Enqueued != k+1 || ca.Received != 1 || cb.Received != k+1 || cb.EventsQueued != k+1 || ca.SendTooLarge != 1 {
				t.Fatalf("counters a %+v b %+v", ca, cb)
			}
			if pc := cb.Peers[membership.NodeID(ida)]; pc.Received != k+1 {
				t.Fatalf("per-peer counters at b: %+v", pc)
			}

			// Stop closes the module; calls then report Stopped and the
			// counters stay readable.
			req, err := a.Stop()
			if err != nil {
				t.Fatal(err)
			}
			ra.waitFor(t, "stop", doneFor(req))
			if err := a.MemberSend(idb, []byte("late")); status.CodeOf(err) != status.Stopped {
				t.Fatalf("send after stop: %v", err)
			}
			if c, err := a.MembershipCounters(); err != nil || c.Enqueued != k+1 {
				t.Fatalf("counters after stop: %+v %v", c, err)
			}
			// Sending to a stopped member still only queues.
			if err := b.MemberSend(ida, []byte("to a stopped node")); err != nil {
				t.Fatal(err)
			}
		})
	}
}
