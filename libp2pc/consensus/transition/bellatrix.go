package transition

import (
	"fmt"

	ssz "github.com/ferranbt/fastssz"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/helpers"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/state"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
)

// PayloadStatus is an execution engine's verdict on a payload.
type PayloadStatus int

const (
	// PayloadValid: the engine executed the payload and it is valid.
	PayloadValid PayloadStatus = iota
	// PayloadInvalid: the payload is invalid; the block is rejected.
	PayloadInvalid
	// PayloadOptimistic: the engine could not tell yet (SYNCING/ACCEPTED);
	// the block is accepted and the result marked optimistic.
	PayloadOptimistic
)

// NewPayloadRequest is the spec's NewPayloadRequest.
type NewPayloadRequest struct {
	Fork             forks.Fork
	ExecutionPayload *deneb.ExecutionPayload // in the deneb shape; earlier forks leave the later fields empty
	// deneb and later: kzg_commitment_to_versioned_hash of each of the
	// block's blob KZG commitments (EIP-4844; empty, not nil, when the
	// block has none), and the parent beacon block root (EIP-4788).
	VersionedHashes       [][32]byte
	ParentBeaconBlockRoot [32]byte
	// electra and later: the block's execution requests (EIP-7685; the
	// engine API takes them as ExecutionRequestsList gives them).
	ExecutionRequests *electra.ExecutionRequests
}

// ExecutionRequestsList is get_execution_requests_list: the request lists
// of an electra-or-later payload request in their EIP-7685 encoding (type
// byte, then the SSZ encoding of the list), empty lists left out.
func (r *NewPayloadRequest) ExecutionRequestsList() ([][]byte, error) {
	if r.ExecutionRequests == nil {
		return nil, nil
	}
	return executionRequestsList(r.ExecutionRequests)
}

// ExecutionEngine is the execution layer as the state transition sees it
// (verify_and_notify_new_payload). An error means the engine could not be
// asked (the transition fails with it, it is not a verdict on the block).
type ExecutionEngine interface {
	NotifyNewPayload(req *NewPayloadRequest) (PayloadStatus, error)
}

// isMergeTransitionComplete is is_merge_transition_complete.
func isMergeTransitionComplete(s *state.BeaconState) bool {
	return s.LatestExecutionPayloadHeader != nil && !isZeroHeader(s.LatestExecutionPayloadHeader)
}

// isExecutionEnabled is is_execution_enabled: the merge transition block
// (first non-empty payload) or any block after it.
func isExecutionEnabled(s *state.BeaconState, body *state.BeaconBlockBody) bool {
	return isMergeTransitionComplete(s) || !isZeroPayload(body.ExecutionPayload)
}

func isZeroHeader(h *deneb.ExecutionPayloadHeader) bool {
	return h.ParentHash == [32]byte{} && h.FeeRecipient == [20]byte{} && h.StateRoot == [32]byte{} &&
		h.ReceiptsRoot == [32]byte{} && h.LogsBloom == [256]byte{} && h.PrevRandao == [32]byte{} &&
		h.BlockNumber == 0 && h.GasLimit == 0 && h.GasUsed == 0 && h.Timestamp == 0 && len(h.ExtraData) == 0 &&
		h.BaseFeePerGas == [32]byte{} && h.BlockHash == [32]byte{} && h.TransactionsRoot == [32]byte{} &&
		h.WithdrawalsRoot == [32]byte{} && h.BlobGasUsed == 0 && h.ExcessBlobGas == 0
}

func isZeroPayload(p *deneb.ExecutionPayload) bool {
	return p.ParentHash == [32]byte{} && p.FeeRecipient == [20]byte{} && p.StateRoot == [32]byte{} &&
		p.ReceiptsRoot == [32]byte{} && p.LogsBloom == [256]byte{} && p.PrevRandao == [32]byte{} &&
		p.BlockNumber == 0 && p.GasLimit == 0 && p.GasUsed == 0 && p.Timestamp == 0 && len(p.ExtraData) == 0 &&
		p.BaseFeePerGas == [32]byte{} && p.BlockHash == [32]byte{} && len(p.Transactions) == 0 &&
		len(p.Withdrawals) == 0 && p.BlobGasUsed == 0 && p.ExcessBlobGas == 0
}

// computeTimestampAtSlot is compute_timestamp_at_slot.
func computeTimestampAtSlot(cfg *config.Config, s *state.BeaconState, slot uint64) uint64 {
	return s.GenesisTime + (slot-config.GenesisSlot)*cfg.SecondsPerSlot
}

func stepExecutionPayload(c *blockContext, s *state.BeaconState, b *state.BeaconBlock) error {
	// Capella dropped the is_execution_enabled condition: every block
	// carries a payload.
	if s.ForkName < forks.Capella && !isExecutionEnabled(s, b.Body) {
		return nil
	}
	return c.processExecutionPayload(s, b.Body)
}

// processExecutionPayload is process_execution_payload of bellatrix ..
// fulu: the consensus checks, the engine's verdict, and the new latest
// header. Capella checks the parent hash unconditionally and adds the
// withdrawals root; deneb limits the blob commitments, passes the versioned
// hashes and the parent beacon block root to the engine, and keeps the blob
// gas fields; electra and fulu change the blob limit (maxBlobsPerBlock) and
// pass the execution requests.
func (c *blockContext) processExecutionPayload(s *state.BeaconState, body *state.BeaconBlockBody) error {
	const fn = "process_execution_payload"
	p := body.ExecutionPayload
	if (s.ForkName >= forks.Capella || isMergeTransitionComplete(s)) && p.ParentHash != s.LatestExecutionPayloadHeader.BlockHash {
		return invalid(fn, "parent hash %x != latest execution block hash %x", p.ParentHash, s.LatestExecutionPayloadHeader.BlockHash)
	}
	if mix := helpers.RandaoMix(s, helpers.CurrentEpoch(s)); p.PrevRandao != mix {
		return invalid(fn, "prev_randao %x != randao mix %x", p.PrevRandao, mix)
	}
	if want := computeTimestampAtSlot(c.cfg, s, s.Slot); p.Timestamp != want {
		return invalid(fn, "timestamp %d != %d (slot %d)", p.Timestamp, want, s.Slot)
	}
	req := &NewPayloadRequest{Fork: s.ForkName, ExecutionPayload: p}
	if s.ForkName >= forks.Deneb {
		if n, limit := uint64(len(body.BlobKZGCommitments)), maxBlobsPerBlock(c.cfg, s); n > limit {
			return invalid(fn, "%d blob KZG commitments > MAX_BLOBS_PER_BLOCK %d", n, limit)
		}
		req.VersionedHashes = make([][32]byte, len(body.BlobKZGCommitments))
		for i, commitment := range body.BlobKZGCommitments {
			req.VersionedHashes[i] = kzgCommitmentToVersionedHash(commitment)
		}
		req.ParentBeaconBlockRoot = s.LatestBlockHeader.ParentRoot
	}
	if s.ForkName >= forks.Electra {
		req.ExecutionRequests = body.ExecutionRequests
	}
	if err := c.askEngine(req); err != nil {
		return err
	}
	txRoot, err := transactionsRoot(p.Transactions)
	if err != nil {
		return invalid(fn, "hash_tree_root(transactions): %v", err)
	}
	h := &deneb.ExecutionPayloadHeader{
		ParentHash: p.ParentHash, FeeRecipient: p.FeeRecipient, StateRoot: p.StateRoot, ReceiptsRoot: p.ReceiptsRoot,
		LogsBloom: p.LogsBloom, PrevRandao: p.PrevRandao, BlockNumber: p.BlockNumber, GasLimit: p.GasLimit,
		GasUsed: p.GasUsed, Timestamp: p.Timestamp, ExtraData: append([]byte(nil), p.ExtraData...),
		BaseFeePerGas: p.BaseFeePerGas, BlockHash: p.BlockHash, TransactionsRoot: txRoot,
	}
	if s.ForkName >= forks.Capella {
		if h.WithdrawalsRoot, err = withdrawalsRoot(p.Withdrawals); err != nil {
			return invalid(fn, "hash_tree_root(withdrawals): %v", err)
		}
	}
	if s.ForkName >= forks.Deneb {
		h.BlobGasUsed, h.ExcessBlobGas = p.BlobGasUsed, p.ExcessBlobGas
	}
	s.LatestExecutionPayloadHeader = h
	return nil
}

// askEngine is verify_and_notify_new_payload; with no engine, the payload
// is accepted optimistically.
func (c *blockContext) askEngine(req *NewPayloadRequest) error {
	if c.engine == nil {
		c.optimistic = true
		return nil
	}
	status, err := c.engine.NotifyNewPayload(req)
	if err != nil {
		return fmt.Errorf("process_execution_payload: execution engine: %w", err)
	}
	switch status {
	case PayloadValid:
	case PayloadOptimistic:
		c.optimistic = true
	case PayloadInvalid:
		return invalid("process_execution_payload", "the execution engine found payload %x invalid", req.ExecutionPayload.BlockHash)
	default:
		return fmt.Errorf("process_execution_payload: execution engine: unknown status %d", status)
	}
	return nil
}

// Limits of the Transactions list (same in every preset and fork).
const (
	maxTransactionsPerPayload = 1 << 20
	maxBytesPerTransaction    = 1 << 30
)

// transactionsRoot is hash_tree_root(payload.transactions): a list of
// byte lists.
func transactionsRoot(txs [][]byte) ([32]byte, error) {
	if len(txs) > maxTransactionsPerPayload {
		return [32]byte{}, ssz.ErrIncorrectListSize
	}
	hh := ssz.NewHasher()
	idx := hh.Index()
	for _, tx := range txs {
		if len(tx) > maxBytesPerTransaction {
			return [32]byte{}, ssz.ErrIncorrectListSize
		}
		elem := hh.Index()
		hh.AppendBytes32(tx)
		hh.MerkleizeWithMixin(elem, uint64(len(tx)), (maxBytesPerTransaction+31)/32)
	}
	hh.MerkleizeWithMixin(idx, uint64(len(txs)), maxTransactionsPerPayload)
	return hh.HashRoot()
}
