package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/ethereum/go-ethereum/rpc"
)

// ErrorKind classifies why an Engine API call failed.
type ErrorKind int

const (
	// KindOffline: the request did not reach the execution client or got
	// no answer (connection refused or reset, DNS, closed client).
	KindOffline ErrorKind = iota + 1
	// KindTimeout: no answer within the method's timeout.
	KindTimeout
	// KindAuth: the execution client refused the JWT (HTTP 401/403).
	KindAuth
	// KindRPC: the execution client answered with a JSON-RPC error
	// (e.g. -38001 unknown payload, -38005 unsupported fork).
	KindRPC
	// KindResponse: an answer that breaks the Engine API (unknown status,
	// a payload that does not convert, a wrong-length blob).
	KindResponse
	// KindUnsupported: the execution client does not offer the method
	// (absent from exchangeCapabilities, or -32601 method not found).
	KindUnsupported
	// KindRequest: the request itself is wrong (refused before sending).
	KindRequest
	// KindCanceled: the caller's context was canceled or its deadline
	// passed (no health change).
	KindCanceled
)

var kindNames = map[ErrorKind]string{
	KindOffline: "offline", KindTimeout: "timeout", KindAuth: "auth", KindRPC: "rpc",
	KindResponse: "response", KindUnsupported: "unsupported", KindRequest: "request", KindCanceled: "canceled",
}

func (k ErrorKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Sentinel errors, one per kind: errors.Is(err, engine.ErrOffline) holds for
// every *CallError of KindOffline.
var (
	ErrOffline     = errors.New("engine: execution client offline")
	ErrTimeout     = errors.New("engine: execution client timed out")
	ErrAuth        = errors.New("engine: execution client refused the JWT")
	ErrRPC         = errors.New("engine: execution client returned an error")
	ErrResponse    = errors.New("engine: malformed execution client response")
	ErrUnsupported = errors.New("engine: method not supported by the execution client")
	ErrRequest     = errors.New("engine: bad request")
	ErrCanceled    = errors.New("engine: call canceled")
)

var kindSentinels = map[ErrorKind]error{
	KindOffline: ErrOffline, KindTimeout: ErrTimeout, KindAuth: ErrAuth, KindRPC: ErrRPC,
	KindResponse: ErrResponse, KindUnsupported: ErrUnsupported, KindRequest: ErrRequest, KindCanceled: ErrCanceled,
}

// CallError is the error of every failed call: the method, the kind, the
// JSON-RPC code (KindRPC) and the underlying error.
type CallError struct {
	Method string
	Kind   ErrorKind
	Code   int // JSON-RPC error code when Kind is KindRPC or KindUnsupported
	Err    error
}

func (e *CallError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("engine: %s: %s (code %d): %v", e.Method, e.Kind, e.Code, e.Err)
	}
	return fmt.Sprintf("engine: %s: %s: %v", e.Method, e.Kind, e.Err)
}

func (e *CallError) Unwrap() []error { return []error{kindSentinels[e.Kind], e.Err} }

// KindOf returns the kind of err when it is (or wraps) a *CallError, else 0.
func KindOf(err error) ErrorKind {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return 0
}

// JSON-RPC codes the Engine API and JSON-RPC define (execution-apis
// src/engine/common.md#errors).
const (
	codeMethodNotFound = -32601
)

// classify maps an rpc client error to its kind. ctx is the caller's
// context (not the per-call one) so a caller's cancel is told apart from a
// method timeout.
func classify(callerCtx context.Context, err error) (ErrorKind, int) {
	if callerCtx.Err() != nil {
		// The caller gave up (canceled, or its own deadline passed): says
		// nothing about the execution client.
		return KindCanceled, 0
	}
	var httpErr rpc.HTTPError
	if errors.As(err, &httpErr) {
		switch httpErr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return KindAuth, 0
		}
		// Any other HTTP status: something answered, but not the engine
		// API (a proxy error page, a 5xx): treat as not reachable.
		return KindOffline, 0
	}
	var rpcErr rpc.Error
	if errors.As(err, &rpcErr) {
		if rpcErr.ErrorCode() == codeMethodNotFound {
			return KindUnsupported, rpcErr.ErrorCode()
		}
		return KindRPC, rpcErr.ErrorCode()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTimeout, 0
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return KindTimeout, 0
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, rpc.ErrClientQuit) {
		return KindOffline, 0
	}
	var urlErr *url.Error
	var opErr *net.OpError
	if errors.As(err, &urlErr) || errors.As(err, &opErr) {
		return KindOffline, 0
	}
	// A JSON decoding failure of the answer lands here too: the client got
	// bytes that are not a valid response.
	return KindResponse, 0
}

// retryable: the request never reached the execution client, so sending it
// again cannot run it twice. Timeouts are not retried here: the execution
// client may still be executing the payload, and another attempt would
// spend another full timeout inside one call. execution-apis common.md
// says the consensus client SHOULD retry after a timeout "when it is needed
// to keep progressing": that is the caller's decision (the pipeline sends
// newPayload again for a block it imported optimistically, and
// forkchoiceUpdated on the next head change).
func retryable(kind ErrorKind) bool { return kind == KindOffline }
