//go:build interop

package interop

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

// Fork selects the dev chain's fork at genesis.
type Fork string

const (
	Phase0    Fork = "phase0"
	Altair    Fork = "altair"
	Bellatrix Fork = "bellatrix"
)

// Forks are the forks Lodestar 1.5.1 runs (Capella and later do not).
var Forks = []Fork{Phase0, Altair, Bellatrix}

// forkArgs are the Lodestar options that start a chain at fork.
func forkArgs(f Fork) []string {
	switch f {
	case Altair:
		return []string{"--params.ALTAIR_FORK_EPOCH", "0"}
	case Bellatrix:
		return []string{"--params.ALTAIR_FORK_EPOCH", "0", "--params.BELLATRIX_FORK_EPOCH", "0",
			"--params.TERMINAL_TOTAL_DIFFICULTY", "0", "--execution.engineMock", "--eth1", "false"}
	}
	return nil
}

// LodestarOptions configure one dev chain. Zero values take the defaults.
type LodestarOptions struct {
	Fork           Fork          // default Phase0
	SecondsPerSlot int           // default 2
	Muxers         string        // "yamux", "mplex" or "yamux,mplex" (default): what Lodestar offers and accepts
	Timeout        time.Duration // upper bound of the process's life (default 4 min, cut to the test deadline)
	ReadyTimeout   time.Duration // how long StartLodestar waits for REST (default 60 s)
	ExtraArgs      []string      // more lodestar dev options
}

// Lodestar is a running Lodestar dev chain: 8 validators, minimal preset,
// p2p (TCP, noise, mplex/yamux) and REST on 127.0.0.1 at free ports, data
// and log in a per-test temp dir.
type Lodestar struct {
	*Proc
	Opts     LodestarOptions
	P2PPort  int
	RESTPort int
	REST     string // http://127.0.0.1:port
	Started  time.Time
	// RESTUp is when REST first answered (relative to Started).
	RESTUp time.Duration
	client *http.Client
}

// StartLodestar starts a dev chain and waits until its REST API answers.
// Only one chain runs at a time (a lock file in the install dir); the chain
// is stopped by process group when the test ends, and its log printed if the
// test failed.
func StartLodestar(t testing.TB, opts LodestarOptions) *Lodestar {
	t.Helper()
	env := RequireEnv(t)
	if opts.Fork == "" {
		opts.Fork = Phase0
	}
	if opts.SecondsPerSlot == 0 {
		opts.SecondsPerSlot = 2
	}
	if opts.Muxers == "" {
		opts.Muxers = "yamux,mplex"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 4 * time.Minute
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 60 * time.Second
	}
	lockFile(t, filepath.Join(env.Dir, ".lodestar.lock"), 10*time.Minute)
	dir := LogDir(t)
	ports := FreePorts(t, 2)
	l := &Lodestar{Opts: opts, P2PPort: ports[0], RESTPort: ports[1],
		REST: fmt.Sprintf("http://127.0.0.1:%d", ports[1]), client: &http.Client{Timeout: 10 * time.Second}}
	args := []string{filepath.Join(env.Lodestar, "lodestar-run.sh"), filepath.Join(dir, "lodestar.log"),
		strconv.Itoa(int(boundedTimeout(t, opts.Timeout).Seconds())),
		"--params.SECONDS_PER_SLOT", strconv.Itoa(opts.SecondsPerSlot), "--rest.namespace", "*"}
	args = append(args, forkArgs(opts.Fork)...)
	args = append(args, opts.ExtraArgs...)
	l.Started = time.Now()
	l.Proc = startProc(t, "lodestar-"+string(opts.Fork), env.Lodestar, filepath.Join(dir, "lodestar.log"),
		cleanEnv(
			fmt.Sprintf("INTEROP_P2P_PORT=%d", l.P2PPort),
			fmt.Sprintf("INTEROP_REST_PORT=%d", l.RESTPort),
			"INTEROP_DATA_DIR="+filepath.Join(dir, "data"),
			"INTEROP_MUXERS="+opts.Muxers,
		), false, append([]string{"bash"}, args...)...)
	deadline := time.Now().Add(opts.ReadyTimeout)
	for {
		var id Identity
		if err := l.GetJSON("/eth/v1/node/identity", &id); err == nil && id.PeerID != "" {
			l.RESTUp = time.Since(l.Started)
			break
		}
		if done, err := l.Exited(); done {
			t.Fatalf("lodestar exited before REST came up: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("lodestar REST not up after %s", opts.ReadyTimeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
	return l
}

// Get fetches path from the REST API with an Accept header and returns the
// body and response headers; non-200 is an error.
func (l *Lodestar) Get(path, accept string) ([]byte, http.Header, error) {
	req, err := http.NewRequest(http.MethodGet, l.REST+path, nil)
	if err != nil {
		return nil, nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.Header, fmt.Errorf("GET %s: %s: %s", path, resp.Status, truncate(body, 300))
	}
	return body, resp.Header, nil
}

// GetJSON fetches path and decodes the "data" member of the answer into v.
func (l *Lodestar) GetJSON(path string, v any) error {
	body, _, err := l.Get(path, "application/json")
	if err != nil {
		return err
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("GET %s: %v", path, err)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return fmt.Errorf("GET %s: data: %v", path, err)
	}
	return nil
}

// Identity is /eth/v1/node/identity.
type Identity struct {
	PeerID       string   `json:"peer_id"`
	ENR          string   `json:"enr"`
	P2PAddresses []string `json:"p2p_addresses"`
	Metadata     struct {
		SeqNumber string `json:"seq_number"`
		Attnets   string `json:"attnets"`
		Syncnets  string `json:"syncnets"`
	} `json:"metadata"`
}

// Identity returns the node's peer id, addresses and metadata.
func (l *Lodestar) Identity(t testing.TB) Identity {
	t.Helper()
	var id Identity
	if err := l.GetJSON("/eth/v1/node/identity", &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// P2PAddr is Lodestar's TCP multiaddr with /p2p/<peer id>.
func (l *Lodestar) P2PAddr(t testing.TB) string {
	t.Helper()
	id := l.Identity(t)
	for _, a := range id.P2PAddresses {
		if strings.Contains(a, "/tcp/"+strconv.Itoa(l.P2PPort)) {
			return a
		}
	}
	return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", l.P2PPort, id.PeerID)
}

// Genesis is /eth/v1/beacon/genesis.
type Genesis struct {
	GenesisTime           time.Time
	GenesisValidatorsRoot [32]byte
	GenesisForkVersion    [4]byte
}

// Genesis returns the chain's genesis time, validators root and fork.
func (l *Lodestar) Genesis(t testing.TB) Genesis {
	t.Helper()
	var raw struct {
		Time    string `json:"genesis_time"`
		Root    string `json:"genesis_validators_root"`
		Version string `json:"genesis_fork_version"`
	}
	if err := l.GetJSON("/eth/v1/beacon/genesis", &raw); err != nil {
		t.Fatal(err)
	}
	var g Genesis
	secs, err := strconv.ParseInt(raw.Time, 10, 64)
	if err != nil {
		t.Fatalf("genesis_time %q: %v", raw.Time, err)
	}
	g.GenesisTime = time.Unix(secs, 0)
	mustHex(t, raw.Root, g.GenesisValidatorsRoot[:])
	mustHex(t, raw.Version, g.GenesisForkVersion[:])
	return g
}

// ForkInfo is /eth/v1/beacon/states/{id}/fork.
type ForkInfo struct {
	Previous, Current [4]byte
	Epoch             uint64
}

// Fork returns the head state's fork.
func (l *Lodestar) Fork(t testing.TB) ForkInfo {
	t.Helper()
	var raw struct {
		Prev  string `json:"previous_version"`
		Cur   string `json:"current_version"`
		Epoch string `json:"epoch"`
	}
	if err := l.GetJSON("/eth/v1/beacon/states/head/fork", &raw); err != nil {
		t.Fatal(err)
	}
	var f ForkInfo
	mustHex(t, raw.Prev, f.Previous[:])
	mustHex(t, raw.Cur, f.Current[:])
	f.Epoch, _ = strconv.ParseUint(raw.Epoch, 10, 64)
	return f
}

// ForkDigest is the head fork's digest (compute_fork_digest of the current
// version and the genesis validators root), as in Lodestar's topics.
func (l *Lodestar) ForkDigest(t testing.TB) forkdigest.Digest {
	t.Helper()
	d, err := forkdigest.ComputeForkDigest(l.Fork(t).Current, l.Genesis(t).GenesisValidatorsRoot)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Spec returns /eth/v1/config/spec: every config and preset value.
func (l *Lodestar) Spec(t testing.TB) map[string]string {
	t.Helper()
	var raw map[string]any
	if err := l.GetJSON("/eth/v1/config/spec", &raw); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// ConfigYAML renders Spec as a flat consensus config file (KEY: value per
// line, as configs/*.yaml), for node.Eth2ConfigFromYAML and
// config.ParseConfig. Lodestar's spec lacks PRESET_BASE; the dev chain is
// minimal.
func (l *Lodestar) ConfigYAML(t testing.TB) []byte {
	t.Helper()
	spec := l.Spec(t)
	if _, ok := spec["PRESET_BASE"]; !ok {
		spec["PRESET_BASE"] = "minimal"
	}
	keys := make([]string, 0, len(spec))
	for k := range spec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := spec[k]
		if k == "PRESET_BASE" || k == "CONFIG_NAME" {
			v = "'" + v + "'"
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	return []byte(b.String())
}

// Head is /eth/v1/beacon/headers/{id}.
type Head struct {
	Slot       uint64
	Root       [32]byte
	ParentRoot [32]byte
	StateRoot  [32]byte
}

// Header returns a block header (id: head, genesis, finalized, a slot or a
// 0x root).
func (l *Lodestar) Header(id string) (Head, error) {
	var raw struct {
		Root   string `json:"root"`
		Header struct {
			Message struct {
				Slot       string `json:"slot"`
				ParentRoot string `json:"parent_root"`
				StateRoot  string `json:"state_root"`
			} `json:"message"`
		} `json:"header"`
	}
	var h Head
	if err := l.GetJSON("/eth/v1/beacon/headers/"+id, &raw); err != nil {
		return h, err
	}
	var err error
	if h.Slot, err = strconv.ParseUint(raw.Header.Message.Slot, 10, 64); err != nil {
		return h, fmt.Errorf("header slot %q: %v", raw.Header.Message.Slot, err)
	}
	for _, x := range []struct {
		s   string
		dst []byte
	}{{raw.Root, h.Root[:]}, {raw.Header.Message.ParentRoot, h.ParentRoot[:]}, {raw.Header.Message.StateRoot, h.StateRoot[:]}} {
		if err := decodeHex(x.s, x.dst); err != nil {
			return h, err
		}
	}
	return h, nil
}

// WaitHeadSlot waits up to d for the head block's slot to reach slot.
func (l *Lodestar) WaitHeadSlot(t testing.TB, slot uint64, d time.Duration) Head {
	t.Helper()
	deadline := time.Now().Add(d)
	var last Head
	var lastErr error
	for {
		h, err := l.Header("head")
		if err == nil {
			last = h
			if h.Slot >= slot {
				return h
			}
		} else {
			lastErr = err
		}
		if done, err := l.Exited(); done {
			t.Fatalf("lodestar exited waiting for head slot %d: %v", slot, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("head slot %d after %s (wanted %d; last error %v)", last.Slot, d, slot, lastErr)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// BlockSSZ returns the SSZ SignedBeaconBlock id (head, a slot, a 0x root)
// and its fork name (Eth-Consensus-Version). Lodestar 1.5.1 serves this
// through our patch (scripts/interop/lodestar-patch.mjs).
func (l *Lodestar) BlockSSZ(id string) ([]byte, string, error) {
	body, hdr, err := l.Get("/eth/v2/beacon/blocks/"+id, "application/octet-stream")
	if err != nil {
		return nil, "", err
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/octet-stream") {
		return nil, "", fmt.Errorf("block %s: content type %q, not SSZ (is lodestar-patch.mjs applied?)", id, ct)
	}
	return body, hdr.Get("Eth-Consensus-Version"), nil
}

// WaitBlockSSZ is BlockSSZ retried for up to d (a block may reach a peer by
// gossip before Lodestar's own import completes).
func (l *Lodestar) WaitBlockSSZ(t testing.TB, id string, d time.Duration) ([]byte, string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		b, ver, err := l.BlockSSZ(id)
		if err == nil {
			return b, ver
		}
		if time.Now().After(deadline) {
			t.Fatalf("block %s: %v", id, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// StateSSZ returns the SSZ BeaconState id (head, finalized, a slot, a 0x
// state root) and its fork name.
func (l *Lodestar) StateSSZ(id string) ([]byte, string, error) {
	body, hdr, err := l.Get("/eth/v2/debug/beacon/states/"+id, "application/octet-stream")
	if err != nil {
		return nil, "", err
	}
	return body, hdr.Get("Eth-Consensus-Version"), nil
}

// Checkpoint is an epoch and a root.
type Checkpoint struct {
	Epoch uint64
	Root  [32]byte
}

// Finality returns the head state's finalized checkpoint.
func (l *Lodestar) Finality(t testing.TB) Checkpoint {
	t.Helper()
	var raw struct {
		Finalized struct {
			Epoch string `json:"epoch"`
			Root  string `json:"root"`
		} `json:"finalized"`
	}
	if err := l.GetJSON("/eth/v1/beacon/states/head/finality_checkpoints", &raw); err != nil {
		t.Fatal(err)
	}
	var c Checkpoint
	c.Epoch, _ = strconv.ParseUint(raw.Finalized.Epoch, 10, 64)
	mustHex(t, raw.Finalized.Root, c.Root[:])
	return c
}

// LodestarPeer is one entry of /eth/v1/node/peers.
type LodestarPeer struct {
	PeerID    string `json:"peer_id"`
	Address   string `json:"last_seen_p2p_address"`
	State     string `json:"state"`
	Direction string `json:"direction"`
}

// Peers returns Lodestar's peers.
func (l *Lodestar) Peers() ([]LodestarPeer, error) {
	var ps []LodestarPeer
	err := l.GetJSON("/eth/v1/node/peers", &ps)
	return ps, err
}

// WaitPeer waits up to d for Lodestar to list peerID in state "connected".
func (l *Lodestar) WaitPeer(t testing.TB, peerID string, d time.Duration) LodestarPeer {
	t.Helper()
	deadline := time.Now().Add(d)
	var last []LodestarPeer
	for {
		ps, err := l.Peers()
		if err == nil {
			last = ps
			for _, p := range ps {
				if p.PeerID == peerID && p.State == "connected" {
					return p
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("lodestar does not list %s as connected after %s; peers: %+v", peerID, d, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func decodeHex(s string, dst []byte) error {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return fmt.Errorf("hex %q: %v", s, err)
	}
	if len(b) != len(dst) {
		return fmt.Errorf("hex %q: %d bytes, want %d", s, len(b), len(dst))
	}
	copy(dst, b)
	return nil
}

func mustHex(t testing.TB, s string, dst []byte) {
	t.Helper()
	if err := decodeHex(s, dst); err != nil {
		t.Fatal(err)
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
