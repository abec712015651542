package checkpoint

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrFetch wraps a failed download (the server, the network, a bound).
var ErrFetch = errors.New("checkpoint: fetch")

// Options say where the anchor comes from and what it must satisfy.
type Options struct {
	Network Network
	// URL is a beacon node's REST API base (http://host:port). When set,
	// the state and block are downloaded; else StateSSZ and Block are used.
	URL string
	// ID names the checkpoint on the server: "finalized" (default), a slot,
	// or a block root (0x...).
	ID string
	// StateSSZ and Block (SSZ SignedBeaconBlock or the API's JSON), when
	// the caller has them (files).
	StateSSZ, Block []byte
	// WS is an optional weak-subjectivity checkpoint.
	WS *WSCheckpoint
	// Progress receives the steps (may be nil); called from Load's goroutine.
	Progress func(Progress)
	// Client is the HTTP client (default: one with Timeout).
	Client *http.Client
	// Timeout bounds each download (default 10 min: a mainnet state).
	Timeout time.Duration
	// MaxStateBytes bounds the state download (default 1 GiB).
	MaxStateBytes int64
	// AllowStale accepts an anchor outside its weak subjectivity period
	// (Anchor.Stale tells); without it Load refuses one with ErrStale.
	AllowStale bool
	// Now is the wall clock for the weak subjectivity period check
	// (default time.Now).
	Now func() time.Time
}

const maxBlockBytes = 32 << 20

// Load obtains the state and block (downloading them when URL is set) and
// verifies them (Verify). It runs in the caller's goroutine.
func Load(ctx context.Context, o Options) (*Anchor, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(Progress) {}
	}
	stateSSZ, block := o.StateSSZ, o.Block
	if o.URL != "" {
		var err error
		if stateSSZ, block, err = Fetch(ctx, o, progress); err != nil {
			return nil, err
		}
	}
	if len(stateSSZ) == 0 || len(block) == 0 {
		return nil, fmt.Errorf("%w: a checkpoint needs a state and its block (or a URL)", ErrBadInput)
	}
	a, err := Verify(ctx, o.Network, stateSSZ, block, o.WS, progress)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	// The state's genesis_time (Verify checked it against the node's when set).
	current := CurrentEpoch(o.Network.Config, binary.LittleEndian.Uint64(stateSSZ[offGenesisTime:]), now())
	if err := checkWSPeriod(a, current); err != nil {
		if !o.AllowStale {
			return nil, err
		}
		a.Stale = true
	}
	return a, nil
}

// Fetch downloads a checkpoint state and its block from a beacon node:
// GET /eth/v2/debug/beacon/states/{id} and /eth/v2/beacon/blocks/{id}, SSZ
// asked for (Accept: application/octet-stream), a JSON block accepted.
// For a state id (finalized, a slot) the state comes first and the block
// is then asked for by the slot of the state's latest block header (a
// finalized block is the canonical block of its slot for good), so the
// two cannot come from different checkpoints when finality advances
// between the requests; for a block root the block comes first and the
// state is asked for by the block's state root. Verify checks the pair.
func Fetch(ctx context.Context, o Options, progress func(Progress)) (stateSSZ, block []byte, err error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	id := o.ID
	if id == "" {
		id = "finalized"
	}
	base := strings.TrimRight(o.URL, "/")
	maxState := o.MaxStateBytes
	if maxState <= 0 {
		maxState = 1 << 30
	}
	getState := func(sid string) ([]byte, error) {
		b, _, err := o.get(ctx, base+"/eth/v2/debug/beacon/states/"+sid, "application/octet-stream", maxState, "state", progress)
		return b, err
	}
	getBlock := func(bid string) ([]byte, error) {
		b, _, err := o.get(ctx, base+"/eth/v2/beacon/blocks/"+bid, "application/octet-stream;q=1.0,application/json;q=0.9",
			maxBlockBytes, "block", progress)
		return b, err
	}
	if strings.HasPrefix(id, "0x") { // a block root
		if block, err = getBlock(id); err != nil {
			return nil, nil, err
		}
		sr, err := stateRootOf(block)
		if err != nil {
			return nil, nil, err
		}
		stateSSZ, err = getState(fmt.Sprintf("0x%x", sr))
		return stateSSZ, block, err
	}
	if stateSSZ, err = getState(id); err != nil {
		return nil, nil, err
	}
	slot, err := latestBlockSlot(stateSSZ)
	if err != nil {
		return nil, nil, err
	}
	block, err = getBlock(fmt.Sprint(slot))
	return stateSSZ, block, err
}

// get downloads url with a bounded body, reporting progress.
func (o Options) get(ctx context.Context, url, accept string, limit int64, phase string, progress func(Progress)) ([]byte, string, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	req.Header.Set("Accept", accept)
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%w: GET %s: %v", ErrFetch, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, "", fmt.Errorf("%w: GET %s: %s: %s", ErrFetch, url, resp.Status, strings.TrimSpace(string(msg)))
	}
	total := resp.ContentLength
	if total > limit {
		return nil, "", fmt.Errorf("%w: GET %s: %d bytes, more than the limit %d", ErrFetch, url, total, limit)
	}
	buf := make([]byte, 0, max(min(total, limit), 4096))
	chunk := make([]byte, 1<<20)
	last := time.Time{}
	for {
		n, err := resp.Body.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if int64(len(buf)) > limit {
			return nil, "", fmt.Errorf("%w: GET %s: more than %d bytes", ErrFetch, url, limit)
		}
		if time.Since(last) > 200*time.Millisecond || err != nil {
			progress(Progress{Phase: phase, Done: int64(len(buf)), Total: total})
			last = time.Now()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("%w: GET %s: %v", ErrFetch, url, err)
		}
	}
	return buf, resp.Header.Get("Content-Type"), nil
}

// latestBlockSlot is the slot of a state's latest block header.
func latestBlockSlot(stateSSZ []byte) (uint64, error) {
	// latest_block_header (slot first) follows genesis_time, gvr, slot
	// and fork: at stateHeaderLen.
	const off = stateHeaderLen
	if len(stateSSZ) < off+8 {
		return 0, fmt.Errorf("%w: a state of %d bytes", ErrBadInput, len(stateSSZ))
	}
	return binary.LittleEndian.Uint64(stateSSZ[off:]), nil
}

// stateRootOf reads the state root of an SSZ or JSON block.
func stateRootOf(block []byte) ([32]byte, error) {
	if t := strings.TrimSpace(string(block[:min(len(block), 16)])); strings.HasPrefix(t, "{") {
		h, err := decodeJSONBlock(block)
		return h.stateRoot, err
	}
	// SignedBeaconBlock: offset(4) signature(96) | message: slot(8)
	// proposer_index(8) parent_root(32) state_root(32) ...
	const off = 100 + 8 + 8 + 32
	if len(block) < off+32 || binary.LittleEndian.Uint32(block) != 100 {
		return [32]byte{}, fmt.Errorf("%w: the block is neither SSZ nor JSON (%d bytes)", ErrBadInput, len(block))
	}
	return [32]byte(block[off : off+32]), nil
}
