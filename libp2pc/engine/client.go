package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
)

// Timeouts per method; the defaults are execution-apis
// src/engine/common.md's recommendations.
type Timeouts struct {
	NewPayload           time.Duration
	ForkchoiceUpdated    time.Duration
	GetPayload           time.Duration
	GetBlobs             time.Duration
	ExchangeCapabilities time.Duration
}

// DefaultTimeouts are the execution-apis recommendations.
var DefaultTimeouts = Timeouts{
	NewPayload:           8 * time.Second,
	ForkchoiceUpdated:    8 * time.Second,
	GetPayload:           1 * time.Second,
	GetBlobs:             1 * time.Second,
	ExchangeCapabilities: 1 * time.Second,
}

const (
	// DefaultMaxRetries: attempts after the first when the request did not
	// reach the execution client.
	DefaultMaxRetries    = 2
	DefaultRetryBackoff  = 100 * time.Millisecond
	DefaultProbeInterval = 2 * time.Second
)

// Config of a Client.
type Config struct {
	// Endpoint is the authenticated Engine API URL, http:// or https://
	// (geth's --authrpc.addr/--authrpc.port, usually http://127.0.0.1:8551).
	Endpoint string
	// JWTSecret, or JWTSecretPath: the file of 64 hex digits (read by New)
	// when JWTSecret is zero.
	JWTSecret     JWTSecret
	JWTSecretPath string
	// Timeouts: zero fields take DefaultTimeouts.
	Timeouts Timeouts
	// MaxRetries: 0 takes DefaultMaxRetries, negative disables retries.
	MaxRetries int
	// RetryBackoff is the first pause before a retry (doubling after);
	// 0 takes DefaultRetryBackoff.
	RetryBackoff time.Duration
	// ProbeInterval: while the execution client is offline or refuses the
	// JWT, exchangeCapabilities is sent this often so the state returns to
	// online without waiting for the next block; 0 takes
	// DefaultProbeInterval, negative disables probing.
	ProbeInterval time.Duration
	// OnStateChange, if set, hears every health state change, in order, on
	// a goroutine of the client (through a bounded queue: a callback that
	// cannot keep up loses changes, counted in Health().ChangesDropped).
	OnStateChange func(StateChange)
	// Clock for the JWT iat (tests); nil is time.Now.
	Clock func() time.Time
}

// Client talks to one execution client. Safe for concurrent use.
type Client struct {
	cfg      Config
	rpc      *rpc.Client
	health   *health
	counters *counters

	capsMu sync.RWMutex
	caps   map[string]bool // nil until an exchangeCapabilities succeeded

	closed    atomic.Bool
	closeMu   sync.Mutex // orders Start's probe launch against Close
	startOnce sync.Once
	closeOnce sync.Once
	stop      chan struct{}
	probeWG   sync.WaitGroup
}

// New validates cfg and makes a client; it sends nothing (see Start).
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: endpoint %q is not an http(s) URL", ErrRequest, cfg.Endpoint)
	}
	if cfg.JWTSecret == (JWTSecret{}) && cfg.JWTSecretPath != "" {
		if cfg.JWTSecret, err = LoadJWTSecret(cfg.JWTSecretPath); err != nil {
			return nil, err
		}
	}
	if cfg.JWTSecret == (JWTSecret{}) {
		return nil, fmt.Errorf("%w: the all-zero secret", ErrJWTSecret)
	}
	def := DefaultTimeouts
	t := &cfg.Timeouts
	for _, p := range []struct {
		v *time.Duration
		d time.Duration
	}{
		{&t.NewPayload, def.NewPayload}, {&t.ForkchoiceUpdated, def.ForkchoiceUpdated}, {&t.GetPayload, def.GetPayload},
		{&t.GetBlobs, def.GetBlobs}, {&t.ExchangeCapabilities, def.ExchangeCapabilities},
	} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.ProbeInterval == 0 {
		cfg.ProbeInterval = DefaultProbeInterval
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	// Keep-alive connections: a newPayload per slot reuses one TCP
	// connection instead of a handshake each time. No client-wide timeout:
	// each call carries its method's deadline in its context.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 4
	rc, err := rpc.DialOptions(context.Background(), cfg.Endpoint,
		rpc.WithHTTPClient(&http.Client{Transport: transport}),
		rpc.WithHTTPAuth(jwtAuth(cfg.JWTSecret, clock)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRequest, err)
	}
	return &Client{
		cfg:      cfg,
		rpc:      rc,
		health:   newHealth(cfg.OnStateChange),
		counters: newCounters(),
		stop:     make(chan struct{}),
	}, nil
}

// Start sends engine_exchangeCapabilities and starts the background probe.
// An execution client that is down is not fatal: the error is returned, the
// state says why, and the probe keeps trying.
// Calling it again only exchanges capabilities again.
func (c *Client) Start(ctx context.Context) error {
	_, err := c.ExchangeCapabilities(ctx)
	c.startOnce.Do(func() {
		c.closeMu.Lock()
		defer c.closeMu.Unlock()
		if c.cfg.ProbeInterval > 0 && !c.closed.Load() {
			c.probeWG.Add(1)
			go c.probe()
		}
	})
	return err
}

// Close stops the probe and the callback delivery and closes connections.
// Calls after Close fail with KindOffline.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		c.closeMu.Lock()
		c.closed.Store(true)
		c.closeMu.Unlock()
		close(c.stop)
		c.probeWG.Wait()
		c.rpc.Close()
		c.health.close()
	})
}

// probe re-sends exchangeCapabilities while the execution client is not
// answering, so the health state recovers on its own.
func (c *Client) probe() {
	defer c.probeWG.Done()
	ticker := time.NewTicker(c.cfg.ProbeInterval)
	defer ticker.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-ticker.C:
		}
		switch st, _, _ := c.health.get(); st {
		case StateOffline, StateAuthFailed, StateUnknown:
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-c.stop:
					cancel()
				case <-ctx.Done():
				}
			}()
			_, _ = c.ExchangeCapabilities(ctx)
			cancel()
		}
	}
}

// Health is the client's view of the execution client.
type Health struct {
	State State
	// LastError is the failure that made the state offline or
	// auth_failed (nil otherwise).
	LastError error
	Since     time.Time
	// ChangesDropped: state changes the OnStateChange queue had no room
	// for.
	ChangesDropped uint64
	// CallbackPanics: OnStateChange calls that panicked (recovered).
	CallbackPanics uint64
}

// Health returns the current health.
func (c *Client) Health() Health {
	st, err, since := c.health.get()
	return Health{State: st, LastError: err, Since: since, ChangesDropped: c.health.dropped.Load(), CallbackPanics: c.health.panics.Load()}
}

// State is Health().State.
func (c *Client) State() State {
	st, _, _ := c.health.get()
	return st
}

// Counters returns the non-zero (method, outcome) counters.
func (c *Client) Counters() []Counter { return c.counters.snapshot() }

// Count returns one counter.
func (c *Client) Count(method string, o Outcome) uint64 { return c.counters.get(method, o) }

// Capabilities returns the methods the execution client listed in its last
// exchangeCapabilities answer (nil before one succeeded).
func (c *Client) Capabilities() []string {
	c.capsMu.RLock()
	defer c.capsMu.RUnlock()
	if c.caps == nil {
		return nil
	}
	out := make([]string, 0, len(c.caps))
	for _, m := range AllMethods {
		if c.caps[m] {
			out = append(out, m)
		}
	}
	return out
}

// ExchangeCapabilities sends the methods this client may call and records
// the execution client's answer; a method it does not list is refused
// locally (KindUnsupported) from then on.
func (c *Client) ExchangeCapabilities(ctx context.Context) ([]string, error) {
	var theirs []string
	if err := c.call(ctx, MethodExchangeCapabilities, c.cfg.Timeouts.ExchangeCapabilities, &theirs, AllMethods); err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(theirs))
	for _, m := range theirs {
		set[m] = true
	}
	c.capsMu.Lock()
	c.caps = set
	c.capsMu.Unlock()
	c.succeeded(MethodExchangeCapabilities, OutcomeOK)
	return theirs, nil
}

func (c *Client) supports(method string) bool {
	if method == MethodExchangeCapabilities {
		return true
	}
	c.capsMu.RLock()
	defer c.capsMu.RUnlock()
	// Unknown capabilities (the execution client was down at start): try.
	return c.caps == nil || c.caps[method]
}

// call sends one request with the method's timeout, retrying (bounded,
// with backoff) only failures where the request never reached the
// execution client, and never while the client is already known offline
// or refusing the JWT: then it fails fast. Failures are counted and move
// the health state; the caller counts and applies the success.
func (c *Client) call(ctx context.Context, method string, timeout time.Duration, result any, args ...any) error {
	fail := func(kind ErrorKind, code int, err error) error {
		c.counters.add(method, errorOutcome(kind))
		return &CallError{Method: method, Kind: kind, Code: code, Err: err}
	}
	if c.closed.Load() {
		return fail(KindOffline, 0, errors.New("client closed"))
	}
	if !c.supports(method) {
		return fail(KindUnsupported, 0, errors.New("not in the execution client's capabilities"))
	}
	attempts := 1 + c.cfg.MaxRetries
	if st, _, _ := c.health.get(); st == StateOffline || st == StateAuthFailed {
		attempts = 1
	}
	backoff := c.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, timeout)
		err := c.rpc.CallContext(callCtx, result, method, args...)
		cancel()
		if err == nil {
			return nil
		}
		kind, code := classify(ctx, err)
		if retryable(kind) && attempt+1 < attempts && ctx.Err() == nil {
			c.counters.add(method, OutcomeRetry)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			case <-c.stop:
			}
			backoff *= 2
			continue
		}
		switch kind {
		case KindOffline, KindTimeout:
			c.health.set(StateOffline, method, err)
		case KindAuth:
			c.health.set(StateAuthFailed, method, err)
		case KindRPC, KindResponse, KindUnsupported:
			// It answered: reachable and authenticated.
			c.answered(method)
		}
		return fail(kind, code, err)
	}
}

// answered moves a state that says "no answer" to online; it leaves
// syncing alone (only a payload status ends syncing).
func (c *Client) answered(method string) {
	switch st, _, _ := c.health.get(); st {
	case StateUnknown, StateOffline, StateAuthFailed:
		c.health.set(StateOnline, method, nil)
	}
}

func (c *Client) succeeded(method string, o Outcome) {
	c.counters.add(method, o)
	c.answered(method)
}

// responseErr counts and returns a KindResponse error for an answer that
// arrived but breaks the Engine API.
func (c *Client) responseErr(method string, format string, args ...any) error {
	c.counters.add(method, OutcomeErrResponse)
	c.answered(method)
	return &CallError{Method: method, Kind: KindResponse, Err: fmt.Errorf(format, args...)}
}

// requestErr counts and returns a KindRequest error (nothing was sent).
func (c *Client) requestErr(method string, err error) error {
	c.counters.add(method, OutcomeErrRequest)
	return &CallError{Method: method, Kind: KindRequest, Err: err}
}
