package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
)

// TestHealthQueueBoundedAndOrdered: a callback that cannot keep up loses
// changes beyond the queue, counted; the ones delivered come in order; a
// panicking callback is counted and does not stop delivery.
func TestHealthQueueBoundedAndOrdered(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got []StateChange
	h := newHealth(func(c StateChange) {
		<-release
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
	})
	const changes = 200
	for i := range changes {
		to := StateOnline
		if i%2 == 1 {
			to = StateSyncing
		}
		h.set(to, fmt.Sprint(i), nil)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if uint64(n)+h.dropped.Load() == changes || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.close()
	dropped := h.dropped.Load()
	if dropped == 0 || uint64(len(got))+dropped != changes || len(got) > stateChangeQueueLen+1 {
		t.Fatalf("delivered %d, dropped %d of %d (queue %d)", len(got), dropped, changes, stateChangeQueueLen)
	}
	for i := 1; i < len(got); i++ {
		var a, b int
		fmt.Sscan(got[i-1].Method, &a)
		fmt.Sscan(got[i].Method, &b)
		if b <= a {
			t.Fatalf("change %d (%s) delivered after %s", i, got[i].Method, got[i-1].Method)
		}
	}
	// A panicking callback.
	calls := atomic.Int32{}
	h = newHealth(func(StateChange) { calls.Add(1); panic("host bug") })
	h.set(StateOffline, "m", errors.New("x"))
	h.set(StateOnline, "m", nil)
	for calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	h.close()
	if calls.Load() != 2 || h.panics.Load() != 2 {
		t.Fatalf("calls %d, panics counted %d", calls.Load(), h.panics.Load())
	}
}

// faultyEL is an HTTP JSON-RPC endpoint that checks the JWT like an
// execution client and answers each method with a canned (broken) result:
// the answers a real geth never gives, to test that the client refuses
// them. The geth-backed tests cover everything a real EL does.
type faultyEL struct {
	secret   JWTSecret
	mu       sync.Mutex
	answers  map[string]string // method -> raw JSON of "result" or a full error object
	status   map[string]int    // method -> HTTP status instead
	requests map[string]int
}

func (f *faultyEL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return f.secret[:], nil }); err != nil {
		http.Error(w, "bad token", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests[req.Method]++
	answer, status := f.answers[req.Method], f.status[req.Method]
	f.mu.Unlock()
	if status != 0 {
		http.Error(w, "proxy error", status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if strings.HasPrefix(answer, `{"code"`) {
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":%s}`, req.ID, answer)
		return
	}
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, answer)
}

func (f *faultyEL) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[method]
}

func TestClientRefusesBrokenAnswers(t *testing.T) {
	secret := JWTSecret{9, 9, 9}
	zeroHash := `"0x` + strings.Repeat("00", 32) + `"`
	f := &faultyEL{secret: secret, requests: map[string]int{}, status: map[string]int{},
		answers: map[string]string{
			// Everything but getBlobsV2.
			MethodExchangeCapabilities: `["engine_newPayloadV4","engine_forkchoiceUpdatedV3","engine_getPayloadV5"]`,
			MethodNewPayloadV4:         `{"status":"BOGUS","latestValidHash":null,"validationError":null}`,
			MethodForkchoiceUpdatedV3:  `{"payloadStatus":{"status":"ACCEPTED","latestValidHash":` + zeroHash + `},"payloadId":null}`,
			MethodGetPayloadV5:         `{"code":-38001,"message":"Unknown payload"}`,
		}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL, JWTSecret: secret, ProbeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if caps := c.Capabilities(); len(caps) != 3 {
		t.Fatalf("capabilities %v", caps)
	}
	req := &transition.NewPayloadRequest{Fork: forks.Fulu, ExecutionPayload: &deneb.ExecutionPayload{}}
	if _, err := c.NewPayload(ctx, req); KindOf(err) != KindResponse || !errors.Is(err, ErrResponse) {
		t.Fatalf("unknown status: %v", err)
	}
	if _, err := c.ForkchoiceUpdated(ctx, forks.Fulu, ForkchoiceState{Head: [32]byte{1}}, nil); KindOf(err) != KindResponse {
		t.Fatalf("ACCEPTED from forkchoiceUpdated: %v", err)
	}
	var ce *CallError
	if _, err := c.GetPayload(ctx, forks.Fulu, PayloadID{1}); !errors.As(err, &ce) || ce.Kind != KindRPC || ce.Code != -38001 {
		t.Fatalf("unknown payload: %v", err)
	}
	// Not in the capabilities: refused without sending.
	if _, err := c.GetBlobsV2(ctx, [][32]byte{{1}}); KindOf(err) != KindUnsupported || f.count(MethodGetBlobsV2) != 0 {
		t.Fatalf("getBlobsV2 not offered: %v, sent %d", err, f.count(MethodGetBlobsV2))
	}
	if c.State() != StateOnline {
		t.Fatalf("state %s: broken answers still mean the EL answered", c.State())
	}
	// The wrong fork for a method, refused before sending.
	if _, err := c.NewPayload(ctx, &transition.NewPayloadRequest{Fork: forks.Altair, ExecutionPayload: &deneb.ExecutionPayload{}}); KindOf(err) != KindRequest {
		t.Fatalf("altair newPayload: %v", err)
	}
	// The caller's own cancel: canceled, no health change.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.NewPayload(canceled, req); KindOf(err) != KindCanceled || c.State() != StateOnline {
		t.Fatalf("canceled call: %v, state %s", err, c.State())
	}
	// A proxy answering 502: not the engine API, offline, retried.
	f.mu.Lock()
	f.status[MethodNewPayloadV4] = http.StatusBadGateway
	f.mu.Unlock()
	before := f.count(MethodNewPayloadV4)
	if _, err := c.NewPayload(ctx, req); KindOf(err) != KindOffline || c.State() != StateOffline {
		t.Fatalf("502: %v, state %s", err, c.State())
	}
	if sent := f.count(MethodNewPayloadV4) - before; sent != 1+DefaultMaxRetries {
		t.Fatalf("502 sent %d times, want %d", sent, 1+DefaultMaxRetries)
	}
	if c.Count(MethodNewPayloadV4, OutcomeRetry) != DefaultMaxRetries || c.Count(MethodNewPayloadV4, OutcomeErrResponse) != 1 {
		t.Fatalf("counters %v", c.Counters())
	}
}
