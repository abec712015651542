package engine

import (
	"context"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
)

// Engine is what the block pipeline and the node need from the execution
// layer; *Client implements it. The state transition itself only needs
// transition.ExecutionEngine (NotifyNewPayload: valid / invalid /
// optimistic); optimistic sync needs the full status (latestValidHash to
// invalidate descendants), so the pipeline can run NewPayload itself,
// concurrently with the state transition, and combine the two.
type Engine interface {
	transition.ExecutionEngine
	// NewPayload: newPayloadV1..V4 by req.Fork.
	NewPayload(ctx context.Context, req *transition.NewPayloadRequest) (PayloadStatus, error)
	// NewPayloadAsync starts NewPayload in the background; the returned
	// PendingPayload is the transition's ExecutionEngine for that block
	// (request from RequestForBlock), so execution and the state
	// transition overlap.
	NewPayloadAsync(ctx context.Context, req *transition.NewPayloadRequest) *PendingPayload
	// ForkchoiceUpdated: forkchoiceUpdatedV1..V3 by fork; on every head,
	// safe or finalized change, and with attributes to build a payload.
	ForkchoiceUpdated(ctx context.Context, fork forks.Fork, state ForkchoiceState, attrs *PayloadAttributes) (ForkchoiceResult, error)
	// GetPayload: getPayloadV1..V5 by fork.
	GetPayload(ctx context.Context, fork forks.Fork, id PayloadID) (*BuiltPayload, error)
	// GetBlobsV2: a block's blobs from the execution client's pool
	// (all or nothing).
	GetBlobsV2(ctx context.Context, hashes [][32]byte) ([]*BlobAndCellProofs, error)
	// Health and Counters for the host (events, metrics).
	Health() Health
	Counters() []Counter
}

var _ Engine = (*Client)(nil)
