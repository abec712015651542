package engine

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
)

// versionedHashVersionKZG is VERSIONED_HASH_VERSION_KZG (EIP-4844).
const versionedHashVersionKZG = 0x01

// KZGCommitmentToVersionedHash is kzg_commitment_to_versioned_hash.
func KZGCommitmentToVersionedHash(c [48]byte) [32]byte {
	h := sha256.Sum256(c[:])
	h[0] = versionedHashVersionKZG
	return h
}

// RequestForBlock is the NewPayloadRequest the state transition will make
// for block (process_execution_payload), computed from the block alone so
// newPayload can start before the transition runs: the payload, the
// versioned hashes of the blob commitments and the parent beacon block
// root (deneb and later; after process_block_header the state's
// latest_block_header.parent_root is the block's parent_root), the
// execution requests (electra and later). Nil when the block has no
// payload (before bellatrix, or a pre-merge bellatrix block).
func RequestForBlock(block *state.BeaconBlock) *transition.NewPayloadRequest {
	if block == nil || block.Body == nil || block.Body.ExecutionPayload == nil || block.ForkName < forks.Bellatrix {
		return nil
	}
	req := &transition.NewPayloadRequest{Fork: block.ForkName, ExecutionPayload: block.Body.ExecutionPayload}
	if block.ForkName >= forks.Deneb {
		req.VersionedHashes = make([][32]byte, len(block.Body.BlobKZGCommitments))
		for i, c := range block.Body.BlobKZGCommitments {
			req.VersionedHashes[i] = KZGCommitmentToVersionedHash(c)
		}
		req.ParentBeaconBlockRoot = block.ParentRoot
	}
	if block.ForkName >= forks.Electra {
		req.ExecutionRequests = block.Body.ExecutionRequests
	}
	return req
}

// PendingPayload is a newPayload call running in the background, so the
// execution client executes the payload while the state transition runs.
// It implements transition.ExecutionEngine: give it to the transition as
// its engine and process_execution_payload waits for this call's verdict
// instead of making its own.
type PendingPayload struct {
	client *Client
	req    *transition.NewPayloadRequest
	done   chan struct{}
	status PayloadStatus
	err    error
}

// NewPayloadAsync starts NewPayload(ctx, req) and returns at once.
func (c *Client) NewPayloadAsync(ctx context.Context, req *transition.NewPayloadRequest) *PendingPayload {
	p := &PendingPayload{client: c, req: req, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.status, p.err = c.NewPayload(ctx, req)
	}()
	return p
}

// Wait returns the call's result once it has one.
func (p *PendingPayload) Wait() (PayloadStatus, error) {
	<-p.done
	return p.status, p.err
}

// Done is closed when the result is in.
func (p *PendingPayload) Done() <-chan struct{} { return p.done }

// NotifyNewPayload implements transition.ExecutionEngine with the pending
// call's result, mapped as Client.NotifyNewPayload maps it. The
// transition's request must be the one the call was started with (same
// fork, block hash, versioned hashes, parent beacon block root and
// requests); otherwise the prefetched verdict would be about another
// payload, and it asks the engine directly.
func (p *PendingPayload) NotifyNewPayload(req *transition.NewPayloadRequest) (transition.PayloadStatus, error) {
	if !sameRequest(p.req, req) {
		return p.client.NotifyNewPayload(req)
	}
	st, err := p.Wait()
	return notifyResult(st, err)
}

func sameRequest(a, b *transition.NewPayloadRequest) bool {
	if a == nil || b == nil || a.ExecutionPayload == nil || b.ExecutionPayload == nil {
		return false
	}
	if a.Fork != b.Fork || a.ExecutionPayload.BlockHash != b.ExecutionPayload.BlockHash ||
		a.ParentBeaconBlockRoot != b.ParentBeaconBlockRoot || len(a.VersionedHashes) != len(b.VersionedHashes) {
		return false
	}
	for i := range a.VersionedHashes {
		if a.VersionedHashes[i] != b.VersionedHashes[i] {
			return false
		}
	}
	la, errA := a.ExecutionRequestsList()
	lb, errB := b.ExecutionRequestsList()
	if errA != nil || errB != nil || len(la) != len(lb) {
		return false
	}
	for i := range la {
		if string(la[i]) != string(lb[i]) {
			return false
		}
	}
	return true
}

// notifyResult maps a NewPayload result to the transition's verdict (see
// Client.NotifyNewPayload).
func notifyResult(st PayloadStatus, err error) (transition.PayloadStatus, error) {
	if err != nil {
		switch KindOf(err) {
		case KindOffline, KindTimeout, KindAuth:
			return transition.PayloadOptimistic, nil
		}
		return transition.PayloadOptimistic, err
	}
	switch st.Status {
	case StatusValid:
		return transition.PayloadValid, nil
	case StatusInvalid, StatusInvalidBlockHash:
		return transition.PayloadInvalid, nil
	case StatusSyncing, StatusAccepted:
		return transition.PayloadOptimistic, nil
	}
	return transition.PayloadOptimistic, fmt.Errorf("engine: status %s", st.Status)
}

var _ transition.ExecutionEngine = (*PendingPayload)(nil)
