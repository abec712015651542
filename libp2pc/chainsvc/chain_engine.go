package chainsvc

// The execution client of the chain (issue 16): the pipeline sends
// newPayload for every block with a payload, during its state transition,
// and forkchoiceUpdated on every head, safe and finalized change
// (pipeline/execution.go). Here: the client's set-up from ChainConfig, its
// health changes as ENGINE_STATE events (and a revalidation of the
// optimistic blocks when it answers again), and the events' execution
// status.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/engine"
	"github.com/libp2pc/libp2pc/libp2pc/events"
	"github.com/libp2pc/libp2pc/libp2pc/node"
	"github.com/libp2pc/libp2pc/libp2pc/pipeline"
	"github.com/libp2pc/libp2pc/libp2pc/status"
	"github.com/libp2pc/libp2pc/libp2pc/store"
)

// ChainEngineConfig is the execution client of ChainConfig. Without an
// Endpoint the chain runs without one (payloads pass their consensus
// checks only; block_imported reports "no_engine").
type ChainEngineConfig struct {
	// Endpoint is the authenticated Engine API URL (geth's --authrpc),
	// e.g. "http://127.0.0.1:8551".
	Endpoint string
	// JWTSecret, or JWTSecretPath (a file of 64 hex digits, as execution
	// clients write it) when JWTSecret is zero.
	JWTSecret     [32]byte
	JWTSecretPath string
}

// chainEngine is the chain's engine client (nil fields without one).
type chainEngine struct {
	client *engine.Client
}

// openEngine makes the engine client of cfg (nil without an endpoint) and
// exchanges capabilities in the background: an execution client that is
// down or refuses the token is reported by ENGINE_STATE, not fatal.
func (c *chainState) openEngine() (pipeline.Engine, error) {
	ec := c.cfg.Engine
	if ec.Endpoint == "" {
		if ec.JWTSecretPath != "" || ec.JWTSecret != ([32]byte{}) {
			return nil, status.Errorf(status.InvalidArgument, "start chain: a JWT secret without an engine endpoint")
		}
		return nil, nil
	}
	cl, err := engine.New(engine.Config{Endpoint: ec.Endpoint, JWTSecret: engine.JWTSecret(ec.JWTSecret),
		JWTSecretPath: ec.JWTSecretPath, OnStateChange: c.onEngineState})
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "start chain: engine: %v", err)
	}
	c.engine.client = cl
	go func() {
		ctx, cancel := context.WithTimeout(c.n.Context(), 5*time.Second)
		defer cancel()
		_ = cl.Start(ctx) // failures arrive as state changes
	}()
	return cl, nil
}

func (c *chainState) closeEngine() {
	if c.engine.client != nil {
		c.engine.client.Close()
	}
}

// onEngineState reports a health change as an ENGINE_STATE event (Code the
// new state, Text "from -> to (method)" and the error), and asks the
// pipeline to revalidate its optimistic blocks when the execution client is
// back.
func (c *chainState) onEngineState(ch engine.StateChange) {
	text := fmt.Sprintf("%s -> %s (%s)", ch.From, ch.To, ch.Method)
	st := int32(0)
	if ch.Err != nil {
		text += ": " + ch.Err.Error()
		st = int32(status.Network)
	}
	c.push(events.Event{Type: events.EngineState, Code: uint64(ch.To), Status: st, Text: text})
	if ch.To == engine.StateOnline || ch.To == engine.StateSyncing {
		if c.ready.Load() { // c.p is set before ready
			c.p.Revalidate()
		}
	}
}

// executionText is the execution status as block_imported's Text carries
// it: "valid", "optimistic", "invalid", "no_engine", or "none" (no payload).
func executionText(s store.ExecutionStatus) string { return s.String() }

// onExecutionEvent handles the pipeline's execution status changes.
func (c *chainState) onExecutionEvent(e pipeline.Event) {
	c.push(events.Event{Type: events.BlockExecution, Code: e.Slot, Data: slices.Clone(e.Root[:]), Text: executionText(e.Execution)})
}

// Engine is the execution client's health and per-method counters
// (ok false without one).
func Engine(n *node.Node) (engine.Health, []engine.Counter, bool) {
	c := readyChain(n)
	if c == nil || c.engine.client == nil {
		return engine.Health{}, nil, false
	}
	return c.engine.client.Health(), c.engine.client.Counters(), true
}
