package engine

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	gethengine "github.com/ethereum/go-ethereum/beacon/engine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
)

// Status is a PayloadStatusV1 status.
type Status int

const (
	StatusValid Status = iota + 1
	StatusInvalid
	StatusSyncing
	StatusAccepted
	StatusInvalidBlockHash
)

var statusByName = map[string]Status{
	gethengine.VALID: StatusValid, gethengine.INVALID: StatusInvalid, gethengine.SYNCING: StatusSyncing,
	gethengine.ACCEPTED: StatusAccepted, "INVALID_BLOCK_HASH": StatusInvalidBlockHash, // paris.md; go-ethereum no longer sends it
}

func (s Status) String() string {
	for name, v := range statusByName {
		if v == s {
			return name
		}
	}
	return fmt.Sprintf("status(%d)", int(s))
}

func (s Status) outcome() Outcome {
	switch s {
	case StatusValid:
		return OutcomeValid
	case StatusInvalid:
		return OutcomeInvalid
	case StatusInvalidBlockHash:
		return OutcomeInvalidBlockHash
	case StatusSyncing:
		return OutcomeSyncing
	}
	return OutcomeAccepted
}

// PayloadStatus is the execution client's verdict (PayloadStatusV1).
type PayloadStatus struct {
	Status Status
	// LatestValidHash: for INVALID, the most recent valid ancestor of the
	// payload (optimistic sync invalidates everything after it); nil when
	// the execution client could not tell.
	LatestValidHash *[32]byte
	ValidationError string
}

func (c *Client) payloadStatus(method string, raw gethengine.PayloadStatusV1, allowed ...Status) (PayloadStatus, error) {
	st, ok := statusByName[raw.Status]
	if ok {
		ok = false
		for _, a := range allowed {
			ok = ok || a == st
		}
	}
	if !ok {
		return PayloadStatus{}, c.responseErr(method, "status %q not allowed here", raw.Status)
	}
	out := PayloadStatus{Status: st}
	if raw.LatestValidHash != nil {
		h := [32]byte(*raw.LatestValidHash)
		out.LatestValidHash = &h
	}
	if raw.ValidationError != nil {
		out.ValidationError = *raw.ValidationError
	}
	c.counters.add(method, st.outcome())
	if st == StatusSyncing || st == StatusAccepted {
		c.health.set(StateSyncing, method, nil)
	} else {
		c.health.set(StateOnline, method, nil)
	}
	return out, nil
}

// newPayloadRequest is one engine_newPayloadVx call.
type newPayloadRequest struct {
	method          string
	data            *gethengine.ExecutableData
	versionedHashes []common.Hash
	beaconRoot      *common.Hash
	requests        []hexutil.Bytes // non-nil from electra on
}

func (r *newPayloadRequest) params() []any {
	switch r.method {
	case MethodNewPayloadV1, MethodNewPayloadV2:
		return []any{r.data}
	case MethodNewPayloadV3:
		return []any{r.data, r.versionedHashes, r.beaconRoot}
	}
	return []any{r.data, r.versionedHashes, r.beaconRoot, r.requests}
}

func (r *newPayloadRequest) requestsBytes() [][]byte {
	if r.requests == nil {
		return nil
	}
	out := make([][]byte, len(r.requests))
	for i, b := range r.requests {
		out[i] = b
	}
	return out
}

// newPayloadMethod is the method version per fork: V1 bellatrix, V2
// capella, V3 deneb, V4 electra and fulu.
func newPayloadMethod(f forks.Fork) (string, error) {
	switch f {
	case forks.Bellatrix:
		return MethodNewPayloadV1, nil
	case forks.Capella:
		return MethodNewPayloadV2, nil
	case forks.Deneb:
		return MethodNewPayloadV3, nil
	case forks.Electra, forks.Fulu:
		return MethodNewPayloadV4, nil
	}
	return "", fmt.Errorf("%w: no newPayload for fork %s", ErrRequest, f)
}

func newPayloadCall(req *transition.NewPayloadRequest) (*newPayloadRequest, error) {
	if req == nil || req.ExecutionPayload == nil {
		return nil, fmt.Errorf("%w: no payload", ErrRequest)
	}
	method, err := newPayloadMethod(req.Fork)
	if err != nil {
		return nil, err
	}
	data, err := ToExecutableData(req.Fork, req.ExecutionPayload)
	if err != nil {
		return nil, err
	}
	call := &newPayloadRequest{method: method, data: data}
	if req.Fork >= forks.Deneb {
		call.versionedHashes = versionedHashes(req.VersionedHashes)
		root := common.Hash(req.ParentBeaconBlockRoot)
		call.beaconRoot = &root
	} else if len(req.VersionedHashes) > 0 {
		return nil, fmt.Errorf("%w: versioned hashes before deneb", ErrRequest)
	}
	if req.Fork >= forks.Electra {
		list, err := req.ExecutionRequestsList()
		if err != nil {
			return nil, fmt.Errorf("%w: execution requests: %v", ErrRequest, err)
		}
		call.requests = make([]hexutil.Bytes, len(list))
		for i, b := range list {
			call.requests[i] = b
		}
	} else if req.ExecutionRequests != nil {
		return nil, fmt.Errorf("%w: execution requests before electra", ErrRequest)
	}
	return call, nil
}

// NewPayload sends the payload of req to the execution client with the
// method version of req.Fork and returns its verdict.
func (c *Client) NewPayload(ctx context.Context, req *transition.NewPayloadRequest) (PayloadStatus, error) {
	call, err := newPayloadCall(req)
	if err != nil {
		method := MethodNewPayloadV4
		if req != nil {
			if m, e := newPayloadMethod(req.Fork); e == nil {
				method = m
			}
		}
		return PayloadStatus{}, c.requestErr(method, err)
	}
	var raw gethengine.PayloadStatusV1
	if err := c.call(ctx, call.method, c.cfg.Timeouts.NewPayload, &raw, call.params()...); err != nil {
		return PayloadStatus{}, err
	}
	return c.payloadStatus(call.method, raw, StatusValid, StatusInvalid, StatusSyncing, StatusAccepted, StatusInvalidBlockHash)
}

// NotifyNewPayload implements transition.ExecutionEngine
// (verify_and_notify_new_payload). VALID is valid; INVALID and
// INVALID_BLOCK_HASH invalid; SYNCING and ACCEPTED optimistic. When the
// execution client cannot be asked (offline, timed out, refusing the JWT)
// the payload is imported optimistically too, as sync/optimistic.md allows
// for a payload the engine has not judged: no verdict is invented, the
// block stays optimistic until a later newPayload or forkchoiceUpdated
// settles it. Other failures (a bad request, an Engine API error) are
// returned.
func (c *Client) NotifyNewPayload(req *transition.NewPayloadRequest) (transition.PayloadStatus, error) {
	return notifyResult(c.NewPayload(context.Background(), req))
}

// ForkchoiceState is ForkchoiceStateV1: execution block hashes.
type ForkchoiceState struct {
	Head, Safe, Finalized [32]byte
}

// PayloadAttributes asks the execution client to build a payload on the new
// head (PayloadAttributesV1..V3 by fork).
type PayloadAttributes struct {
	Timestamp             uint64
	PrevRandao            [32]byte
	SuggestedFeeRecipient [20]byte
	// Withdrawals: capella and later (non-nil, possibly empty).
	Withdrawals []*capella.Withdrawal
	// ParentBeaconBlockRoot: deneb and later.
	ParentBeaconBlockRoot *[32]byte
}

// PayloadID names a payload being built.
type PayloadID [8]byte

// ForkchoiceResult is the answer to forkchoiceUpdated.
type ForkchoiceResult struct {
	PayloadStatus PayloadStatus
	// PayloadID is set when attributes were given and the head is VALID.
	PayloadID *PayloadID
}

// forkchoiceMethod: V1 bellatrix, V2 capella, V3 deneb to fulu.
func forkchoiceMethod(f forks.Fork) (string, error) {
	switch f {
	case forks.Bellatrix:
		return MethodForkchoiceUpdatedV1, nil
	case forks.Capella:
		return MethodForkchoiceUpdatedV2, nil
	case forks.Deneb, forks.Electra, forks.Fulu:
		return MethodForkchoiceUpdatedV3, nil
	}
	return "", fmt.Errorf("%w: no forkchoiceUpdated for fork %s", ErrRequest, f)
}

func attributesFor(f forks.Fork, a *PayloadAttributes) (*gethengine.PayloadAttributes, error) {
	if a == nil {
		return nil, nil
	}
	out := &gethengine.PayloadAttributes{Timestamp: a.Timestamp, Random: a.PrevRandao, SuggestedFeeRecipient: a.SuggestedFeeRecipient}
	switch {
	case f < forks.Capella && a.Withdrawals != nil:
		return nil, fmt.Errorf("%w: withdrawals in %s payload attributes", ErrRequest, f)
	case f >= forks.Capella && a.Withdrawals == nil:
		return nil, fmt.Errorf("%w: %s payload attributes need withdrawals (empty, not nil)", ErrRequest, f)
	case f < forks.Deneb && a.ParentBeaconBlockRoot != nil:
		return nil, fmt.Errorf("%w: parent beacon block root in %s payload attributes", ErrRequest, f)
	case f >= forks.Deneb && a.ParentBeaconBlockRoot == nil:
		return nil, fmt.Errorf("%w: %s payload attributes need the parent beacon block root", ErrRequest, f)
	}
	if a.Withdrawals != nil {
		out.Withdrawals = make([]*types.Withdrawal, len(a.Withdrawals))
		for i, w := range a.Withdrawals {
			if w == nil {
				return nil, fmt.Errorf("%w: withdrawal %d is nil", ErrRequest, i)
			}
			out.Withdrawals[i] = &types.Withdrawal{Index: w.Index, Validator: w.ValidatorIndex, Address: w.Address, Amount: w.Amount}
		}
	}
	if a.ParentBeaconBlockRoot != nil {
		root := common.Hash(*a.ParentBeaconBlockRoot)
		out.BeaconRoot = &root
	}
	return out, nil
}

// ForkchoiceUpdated tells the execution client the head, safe and finalized
// blocks and, with attrs, asks it to build a payload. fork is the fork of
// the payload to build (or of the head, without attrs).
func (c *Client) ForkchoiceUpdated(ctx context.Context, fork forks.Fork, state ForkchoiceState, attrs *PayloadAttributes) (ForkchoiceResult, error) {
	method, err := forkchoiceMethod(fork)
	if err != nil {
		return ForkchoiceResult{}, c.requestErr(MethodForkchoiceUpdatedV3, err)
	}
	ga, err := attributesFor(fork, attrs)
	if err != nil {
		return ForkchoiceResult{}, c.requestErr(method, err)
	}
	fcs := gethengine.ForkchoiceStateV1{HeadBlockHash: state.Head, SafeBlockHash: state.Safe, FinalizedBlockHash: state.Finalized}
	var raw gethengine.ForkChoiceResponse
	if err := c.call(ctx, method, c.cfg.Timeouts.ForkchoiceUpdated, &raw, fcs, ga); err != nil {
		return ForkchoiceResult{}, err
	}
	// forkchoiceUpdated answers VALID, INVALID or SYNCING only.
	ps, err := c.payloadStatus(method, raw.PayloadStatus, StatusValid, StatusInvalid, StatusSyncing)
	if err != nil {
		return ForkchoiceResult{}, err
	}
	out := ForkchoiceResult{PayloadStatus: ps}
	if raw.PayloadID != nil {
		id := PayloadID(*raw.PayloadID)
		out.PayloadID = &id
	}
	return out, nil
}

// BlobsBundle is a built payload's blobs (BlobsBundleV1 before fulu: one
// KZG proof per blob; V2 from fulu: CELLS_PER_EXT_BLOB cell proofs per
// blob, blob-major).
type BlobsBundle struct {
	Commitments [][48]byte
	Proofs      [][48]byte
	Blobs       [][]byte
}

// BuiltPayload is what getPayload returns, in SSZ form.
type BuiltPayload struct {
	Fork    forks.Fork
	Payload *deneb.ExecutionPayload
	// BlockValue in wei.
	BlockValue            *big.Int
	Blobs                 *BlobsBundle               // deneb and later
	ExecutionRequests     *electra.ExecutionRequests // electra and later
	ShouldOverrideBuilder bool
}

// Sizes of blob data (EIP-4844, EIP-7594).
const (
	BytesPerBlob    = 131072
	CellsPerExtBlob = 128
	kzgBytes        = 48
)

// getPayloadMethod: V1 bellatrix, V2 capella, V3 deneb, V4 electra, V5 fulu.
func getPayloadMethod(f forks.Fork) (string, error) {
	switch f {
	case forks.Bellatrix:
		return MethodGetPayloadV1, nil
	case forks.Capella:
		return MethodGetPayloadV2, nil
	case forks.Deneb:
		return MethodGetPayloadV3, nil
	case forks.Electra:
		return MethodGetPayloadV4, nil
	case forks.Fulu:
		return MethodGetPayloadV5, nil
	}
	return "", fmt.Errorf("%w: no getPayload for fork %s", ErrRequest, f)
}

// GetPayload fetches the payload built for id, for fork.
func (c *Client) GetPayload(ctx context.Context, fork forks.Fork, id PayloadID) (*BuiltPayload, error) {
	method, err := getPayloadMethod(fork)
	if err != nil {
		return nil, c.requestErr(MethodGetPayloadV5, err)
	}
	gid := gethengine.PayloadID(id)
	env := new(gethengine.ExecutionPayloadEnvelope)
	if method == MethodGetPayloadV1 {
		env.ExecutionPayload = new(gethengine.ExecutableData)
		err = c.call(ctx, method, c.cfg.Timeouts.GetPayload, env.ExecutionPayload, gid)
	} else {
		err = c.call(ctx, method, c.cfg.Timeouts.GetPayload, env, gid)
	}
	if err != nil {
		return nil, err
	}
	out, err := builtPayload(fork, env)
	if err != nil {
		return nil, c.responseErr(method, "%v", err)
	}
	c.succeeded(method, OutcomeOK)
	return out, nil
}

func builtPayload(fork forks.Fork, env *gethengine.ExecutionPayloadEnvelope) (*BuiltPayload, error) {
	p, err := FromExecutableData(fork, env.ExecutionPayload)
	if err != nil {
		return nil, err
	}
	out := &BuiltPayload{Fork: fork, Payload: p, BlockValue: env.BlockValue, ShouldOverrideBuilder: env.Override}
	if out.BlockValue == nil {
		out.BlockValue = new(big.Int)
	}
	if fork >= forks.Deneb {
		if env.BlobsBundle == nil {
			return nil, errors.New("no blobsBundle")
		}
		proofsPerBlob := 1
		if fork >= forks.Fulu {
			proofsPerBlob = CellsPerExtBlob
		}
		if out.Blobs, err = blobsBundle(env.BlobsBundle, proofsPerBlob); err != nil {
			return nil, err
		}
	}
	if fork >= forks.Electra {
		if env.Requests == nil {
			return nil, errors.New("no executionRequests")
		}
		if out.ExecutionRequests, err = DecodeExecutionRequests(env.Requests); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func blobsBundle(b *gethengine.BlobsBundle, proofsPerBlob int) (*BlobsBundle, error) {
	n := len(b.Blobs)
	if len(b.Commitments) != n || len(b.Proofs) != n*proofsPerBlob {
		return nil, fmt.Errorf("blobsBundle: %d blobs, %d commitments, %d proofs (want %d per blob)", n, len(b.Commitments), len(b.Proofs), proofsPerBlob)
	}
	out := &BlobsBundle{Commitments: make([][48]byte, n), Proofs: make([][48]byte, len(b.Proofs)), Blobs: make([][]byte, n)}
	for i := range n {
		if len(b.Blobs[i]) != BytesPerBlob || len(b.Commitments[i]) != kzgBytes {
			return nil, fmt.Errorf("blobsBundle: blob %d: %d bytes, commitment %d bytes", i, len(b.Blobs[i]), len(b.Commitments[i]))
		}
		out.Blobs[i] = b.Blobs[i]
		out.Commitments[i] = [48]byte(b.Commitments[i])
	}
	for i, p := range b.Proofs {
		if len(p) != kzgBytes {
			return nil, fmt.Errorf("blobsBundle: proof %d: %d bytes", i, len(p))
		}
		out.Proofs[i] = [48]byte(p)
	}
	return out, nil
}

// BlobAndCellProofs is one BlobAndProofV2.
type BlobAndCellProofs struct {
	Blob       []byte
	CellProofs [][48]byte // CELLS_PER_EXT_BLOB of them
}

// MaxBlobsPerGetBlobs is the request size every execution client must
// serve (execution-apis osaka.md, engine_getBlobsV2).
const MaxBlobsPerGetBlobs = 128

// GetBlobsV2 asks the execution client's blob pool for the blobs with these
// versioned hashes. All or nothing: nil, nil when it lacks any of them (or
// is syncing), as the method specifies.
func (c *Client) GetBlobsV2(ctx context.Context, hashes [][32]byte) ([]*BlobAndCellProofs, error) {
	const method = MethodGetBlobsV2
	if len(hashes) > MaxBlobsPerGetBlobs {
		return nil, c.requestErr(method, fmt.Errorf("%d versioned hashes > %d", len(hashes), MaxBlobsPerGetBlobs))
	}
	var raw []*gethengine.BlobAndProofV2
	if err := c.call(ctx, method, c.cfg.Timeouts.GetBlobs, &raw, versionedHashes(hashes)); err != nil {
		return nil, err
	}
	if raw == nil {
		c.succeeded(method, OutcomeOK)
		return nil, nil
	}
	if len(raw) != len(hashes) {
		return nil, c.responseErr(method, "%d entries for %d hashes", len(raw), len(hashes))
	}
	out := make([]*BlobAndCellProofs, len(raw))
	for i, r := range raw {
		if r == nil {
			return nil, c.responseErr(method, "entry %d is null in a non-null answer", i)
		}
		if len(r.Blob) != BytesPerBlob || len(r.CellProofs) != CellsPerExtBlob {
			return nil, c.responseErr(method, "entry %d: %d-byte blob, %d proofs", i, len(r.Blob), len(r.CellProofs))
		}
		e := &BlobAndCellProofs{Blob: r.Blob, CellProofs: make([][48]byte, CellsPerExtBlob)}
		for j, p := range r.CellProofs {
			if len(p) != kzgBytes {
				return nil, c.responseErr(method, "entry %d proof %d: %d bytes", i, j, len(p))
			}
			e.CellProofs[j] = [48]byte(p)
		}
		out[i] = e
	}
	c.succeeded(method, OutcomeOK)
	return out, nil
}
