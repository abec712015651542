//go:build interop

package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// JSPeerOptions configure the js-libp2p gossip peer (scripts/interop/peer.mjs).
type JSPeerOptions struct {
	Topic   string        // default DefaultTopic
	Seconds int           // how long it runs (default 60; cut to the test deadline)
	Publish int           // messages to publish, one a second; -1 (default 0 means -1): until the end
	Prefix  string        // published texts are Prefix-N (default js-msg)
	MsgID   string        // "altair" (default), "phase0", or "default" (gossipsub's own, signed)
	Dial    string        // a multiaddr the peer dials once started
	Port    int           // TCP port (default 0: any free port)
	Ready   time.Duration // how long to wait for LISTEN (default 30 s)
}

// DefaultTopic is an eth2-style topic (fork digest, name, ssz_snappy) that
// no real client uses, for plain gossip tests.
const DefaultTopic = "/eth2/00000000/libp2pc_interop/ssz_snappy"

// JSPeer is a running js-libp2p 3 + gossipsub 17 peer on Node 22.
type JSPeer struct {
	*Proc
	Opts   JSPeerOptions
	PeerID string
	Addrs  []string // multiaddrs, each ending in /p2p/<PeerID>
}

// JSMessage is a SENT or RECV line of the peer: the message-id it computed,
// the propagation source (RECV), the topic and the decompressed text.
type JSMessage struct {
	MsgID string // hex
	From  string // RECV only
	Topic string
	Text  string
}

// StartJSPeer starts peer.mjs (copied from scripts/interop into the js-libp2p
// install, so edits take effect without reinstalling) and waits for its
// LISTEN line.
func StartJSPeer(t testing.TB, opts JSPeerOptions) *JSPeer {
	t.Helper()
	env := RequireEnv(t)
	if opts.Topic == "" {
		opts.Topic = DefaultTopic
	}
	if opts.Seconds == 0 {
		opts.Seconds = 60
	}
	if opts.Publish == 0 {
		opts.Publish = -1
	}
	if opts.Prefix == "" {
		opts.Prefix = "js-msg"
	}
	if opts.MsgID == "" {
		opts.MsgID = "altair"
	}
	if opts.Ready == 0 {
		opts.Ready = 30 * time.Second
	}
	src, err := os.ReadFile(filepath.Join(env.Root, "scripts", "interop", "peer.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(env.JS, "libp2pc-peer.mjs")
	if err := os.WriteFile(script, src, 0o644); err != nil {
		t.Fatal(err)
	}
	secs := min(opts.Seconds, int(boundedTimeout(t, time.Duration(opts.Seconds)*time.Second).Seconds()))
	extra := []string{
		"PORT=" + strconv.Itoa(opts.Port),
		"PREFIX=" + opts.Prefix,
		"MSGID=" + opts.MsgID,
	}
	if opts.Publish >= 0 {
		extra = append(extra, "PUBLISH="+strconv.Itoa(opts.Publish))
	}
	if opts.Dial != "" {
		extra = append(extra, "DIAL="+opts.Dial)
	}
	dir := LogDir(t)
	p := &JSPeer{Opts: opts}
	// timeout bounds the process even if the script's own timer fails.
	p.Proc = startProc(t, "js-libp2p", env.JS, filepath.Join(dir, "js-peer.log"), cleanEnv(extra...), true,
		"timeout", "-k", "5", strconv.Itoa(secs+10), env.Node22, script, opts.Topic, strconv.Itoa(secs))
	if line, err := p.WaitLine(opts.Ready, func(s string) bool { return strings.HasPrefix(s, "PEERID ") }); err != nil {
		t.Fatalf("js peer: no PEERID line: %v", err)
	} else {
		p.PeerID = strings.TrimPrefix(line, "PEERID ")
	}
	line, err := p.WaitLine(opts.Ready, func(s string) bool { return strings.HasPrefix(s, "LISTEN ") })
	if err != nil {
		t.Fatalf("js peer: no LISTEN line: %v", err)
	}
	for _, a := range strings.Fields(strings.TrimPrefix(line, "LISTEN ")) {
		if !strings.Contains(a, "/p2p/") {
			a += "/p2p/" + p.PeerID
		}
		p.Addrs = append(p.Addrs, a)
	}
	if len(p.Addrs) == 0 {
		t.Fatalf("js peer: LISTEN line without addresses: %q", line)
	}
	return p
}

// Addr is the peer's first listen multiaddr (with /p2p/).
func (p *JSPeer) Addr() string { return p.Addrs[0] }

func parseMsg(line string) (kind string, m JSMessage, ok bool) {
	switch {
	case strings.HasPrefix(line, "RECV "):
		f := strings.SplitN(line, " ", 5)
		if len(f) == 5 {
			return "RECV", JSMessage{MsgID: f[1], From: f[2], Topic: f[3], Text: f[4]}, true
		}
	case strings.HasPrefix(line, "SENT "):
		f := strings.SplitN(line, " ", 4)
		if len(f) == 4 {
			return "SENT", JSMessage{MsgID: f[1], Topic: f[2], Text: f[3]}, true
		}
	}
	return "", JSMessage{}, false
}

func (p *JSPeer) messages(kind string) []JSMessage {
	var out []JSMessage
	for _, l := range p.Lines() {
		if k, m, ok := parseMsg(l); ok && k == kind {
			out = append(out, m)
		}
	}
	return out
}

// Received are the messages the peer received so far.
func (p *JSPeer) Received() []JSMessage { return p.messages("RECV") }

// Sent are the messages the peer published so far.
func (p *JSPeer) Sent() []JSMessage { return p.messages("SENT") }

// WaitReceived waits up to d for a received message matching pred.
func (p *JSPeer) WaitReceived(t testing.TB, d time.Duration, what string, pred func(JSMessage) bool) JSMessage {
	t.Helper()
	line, err := p.WaitLine(d, func(l string) bool {
		k, m, ok := parseMsg(l)
		return ok && k == "RECV" && pred(m)
	})
	if err != nil {
		t.Fatalf("js peer did not receive %s: %v", what, err)
	}
	_, m, _ := parseMsg(line)
	return m
}

// WaitLineT is WaitLine that fails the test.
func (p *JSPeer) WaitLineT(t testing.TB, d time.Duration, what string, pred func(string) bool) string {
	t.Helper()
	line, err := p.WaitLine(d, pred)
	if err != nil {
		t.Fatalf("js peer: %s: %v", what, err)
	}
	return line
}

func (m JSMessage) String() string { return fmt.Sprintf("%s %q (%s)", m.Topic, m.Text, m.MsgID) }
