package engine

import (
	"sort"
	"sync/atomic"
)

// Outcome is what one call (attempt) came to; counted per method.
type Outcome int

const (
	OutcomeValid Outcome = iota
	OutcomeInvalid
	OutcomeInvalidBlockHash
	OutcomeSyncing
	OutcomeAccepted
	// OutcomeOK: a call without a payload status (getPayload, getBlobs,
	// exchangeCapabilities) that succeeded.
	OutcomeOK
	OutcomeErrOffline
	OutcomeErrTimeout
	OutcomeErrAuth
	OutcomeErrRPC
	OutcomeErrResponse
	OutcomeErrUnsupported
	OutcomeErrRequest
	OutcomeErrCanceled
	// OutcomeRetry counts attempts sent again after an offline failure.
	OutcomeRetry
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	"valid", "invalid", "invalid_block_hash", "syncing", "accepted", "ok",
	"error_offline", "error_timeout", "error_auth", "error_rpc", "error_response", "error_unsupported",
	"error_request", "error_canceled", "retry",
}

func (o Outcome) String() string {
	if o >= 0 && o < numOutcomes {
		return outcomeNames[o]
	}
	return "outcome(?)"
}

func errorOutcome(k ErrorKind) Outcome {
	switch k {
	case KindOffline:
		return OutcomeErrOffline
	case KindTimeout:
		return OutcomeErrTimeout
	case KindAuth:
		return OutcomeErrAuth
	case KindRPC:
		return OutcomeErrRPC
	case KindUnsupported:
		return OutcomeErrUnsupported
	case KindRequest:
		return OutcomeErrRequest
	case KindCanceled:
		return OutcomeErrCanceled
	}
	return OutcomeErrResponse
}

// The Engine API methods the client calls.
const (
	MethodExchangeCapabilities = "engine_exchangeCapabilities"
	MethodNewPayloadV1         = "engine_newPayloadV1"
	MethodNewPayloadV2         = "engine_newPayloadV2"
	MethodNewPayloadV3         = "engine_newPayloadV3"
	MethodNewPayloadV4         = "engine_newPayloadV4"
	MethodForkchoiceUpdatedV1  = "engine_forkchoiceUpdatedV1"
	MethodForkchoiceUpdatedV2  = "engine_forkchoiceUpdatedV2"
	MethodForkchoiceUpdatedV3  = "engine_forkchoiceUpdatedV3"
	MethodGetPayloadV1         = "engine_getPayloadV1"
	MethodGetPayloadV2         = "engine_getPayloadV2"
	MethodGetPayloadV3         = "engine_getPayloadV3"
	MethodGetPayloadV4         = "engine_getPayloadV4"
	MethodGetPayloadV5         = "engine_getPayloadV5"
	MethodGetBlobsV2           = "engine_getBlobsV2"
)

// AllMethods lists every method the client may call, in the order they are
// offered to exchangeCapabilities.
var AllMethods = []string{
	MethodNewPayloadV1, MethodNewPayloadV2, MethodNewPayloadV3, MethodNewPayloadV4,
	MethodForkchoiceUpdatedV1, MethodForkchoiceUpdatedV2, MethodForkchoiceUpdatedV3,
	MethodGetPayloadV1, MethodGetPayloadV2, MethodGetPayloadV3, MethodGetPayloadV4, MethodGetPayloadV5,
	MethodGetBlobsV2,
}

// counters holds one counter per (method, outcome); the map is built once
// and only read afterwards, so lookups need no lock.
type counters struct {
	byMethod map[string]*[numOutcomes]atomic.Uint64
}

func newCounters() *counters {
	c := &counters{byMethod: make(map[string]*[numOutcomes]atomic.Uint64, len(AllMethods)+1)}
	for _, m := range append([]string{MethodExchangeCapabilities}, AllMethods...) {
		c.byMethod[m] = new([numOutcomes]atomic.Uint64)
	}
	return c
}

func (c *counters) add(method string, o Outcome) {
	if row := c.byMethod[method]; row != nil {
		row[o].Add(1)
	}
}

// Counter is one (method, outcome) count.
type Counter struct {
	Method  string
	Outcome Outcome
	Count   uint64
}

// snapshot returns the non-zero counters, sorted by method then outcome.
func (c *counters) snapshot() []Counter {
	var out []Counter
	for m, row := range c.byMethod {
		for o := Outcome(0); o < numOutcomes; o++ {
			if n := row[o].Load(); n > 0 {
				out = append(out, Counter{Method: m, Outcome: o, Count: n})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Method != out[j].Method {
			return out[i].Method < out[j].Method
		}
		return out[i].Outcome < out[j].Outcome
	})
	return out
}

func (c *counters) get(method string, o Outcome) uint64 {
	if row := c.byMethod[method]; row != nil {
		return row[o].Load()
	}
	return 0
}
