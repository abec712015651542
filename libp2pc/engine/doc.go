// Package engine is libp2pc's client of the execution layer's Engine API
// (ethereum/execution-apis src/engine): JSON-RPC over HTTP to the execution
// client's authenticated endpoint, JWT HS256 with a fresh iat on every
// request, using go-ethereum's rpc client and beacon/engine types.
//
// What it does:
//
//   - picks the method version per consensus fork: newPayloadV1..V4
//     (electra and fulu: V4 with versioned hashes, parent beacon block root
//     and execution requests), forkchoiceUpdatedV1..V3, getPayloadV1..V5,
//     and getBlobsV2;
//   - converts the project's SSZ execution payloads (deneb.ExecutionPayload,
//     the shape every fork from bellatrix to fulu uses in
//     consensus/transition) to engine.ExecutableData and back;
//   - bounds every call by the execution-apis timeouts (newPayload and
//     forkchoiceUpdated 8 s, getPayload, getBlobs and exchangeCapabilities
//     1 s), retries only what is safe to retry (the request never reached the
//     execution client) a bounded number of times, and classifies every
//     failure (offline, timeout, auth, rpc, response, unsupported);
//   - keeps the execution client's health as a state machine (online,
//     syncing, offline, auth failure) with a change callback fed through a
//     bounded queue, and counters per method and outcome.
//
// Client implements transition.ExecutionEngine, the interface the state
// transition (and so the block pipeline) calls for
// verify_and_notify_new_payload.
//
// The package never links go-ethereum's node or eth packages: the in-process
// geth used by the tests lives in libp2pc/internal/gethtest, imported by
// tests only.
package engine
