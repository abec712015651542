package engine

import (
	"errors"
	"fmt"
	"math/big"

	gethengine "github.com/ethereum/go-ethereum/beacon/engine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/config"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
)

// Limits of ExecutionPayload fields that the SSZ types only enforce when
// encoding; checked here so a bad engine response is refused at the door.
const (
	maxExtraDataBytes         = 32
	logsBloomBytes            = 256
	maxTransactionsPerPayload = 1 << 20
	maxBytesPerTransaction    = 1 << 30
)

// ErrConversion marks a payload that cannot be converted between its SSZ and
// Engine API forms (a field out of range or missing for its fork).
var ErrConversion = errors.New("engine: payload conversion")

func convErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConversion, fmt.Sprintf(format, args...))
}

// ToExecutableData converts an SSZ execution payload of fork (bellatrix or
// later; the deneb shape, earlier forks leave the later fields empty) to the
// Engine API's ExecutionPayloadV1..V3. Withdrawals are nil before capella and
// non-nil (possibly empty) from capella on; the blob gas fields are set from
// deneb on, as the method versions require.
func ToExecutableData(fork forks.Fork, p *deneb.ExecutionPayload) (*gethengine.ExecutableData, error) {
	if p == nil {
		return nil, convErr("nil payload")
	}
	if fork < forks.Bellatrix {
		return nil, convErr("fork %s has no execution payload", fork)
	}
	if len(p.ExtraData) > maxExtraDataBytes {
		return nil, convErr("extra_data %d bytes > %d", len(p.ExtraData), maxExtraDataBytes)
	}
	if len(p.Transactions) > maxTransactionsPerPayload {
		return nil, convErr("%d transactions > %d", len(p.Transactions), maxTransactionsPerPayload)
	}
	if fork < forks.Capella && len(p.Withdrawals) > 0 {
		return nil, convErr("%d withdrawals in a %s payload", len(p.Withdrawals), fork)
	}
	if fork < forks.Deneb && (p.BlobGasUsed != 0 || p.ExcessBlobGas != 0) {
		return nil, convErr("blob gas fields set in a %s payload", fork)
	}
	txs := make([][]byte, len(p.Transactions))
	for i, tx := range p.Transactions {
		if len(tx) > maxBytesPerTransaction {
			return nil, convErr("transaction %d: %d bytes > %d", i, len(tx), maxBytesPerTransaction)
		}
		txs[i] = tx
	}
	ed := &gethengine.ExecutableData{
		ParentHash:    p.ParentHash,
		FeeRecipient:  p.FeeRecipient,
		StateRoot:     p.StateRoot,
		ReceiptsRoot:  p.ReceiptsRoot,
		LogsBloom:     append([]byte(nil), p.LogsBloom[:]...),
		Random:        p.PrevRandao,
		Number:        p.BlockNumber,
		GasLimit:      p.GasLimit,
		GasUsed:       p.GasUsed,
		Timestamp:     p.Timestamp,
		ExtraData:     append([]byte{}, p.ExtraData...),
		BaseFeePerGas: uint256LEToBig(p.BaseFeePerGas),
		BlockHash:     p.BlockHash,
		Transactions:  txs,
	}
	if fork >= forks.Capella {
		ed.Withdrawals = make([]*types.Withdrawal, len(p.Withdrawals))
		for i, w := range p.Withdrawals {
			if w == nil {
				return nil, convErr("withdrawal %d is nil", i)
			}
			// Both sides count the amount in Gwei.
			ed.Withdrawals[i] = &types.Withdrawal{Index: w.Index, Validator: w.ValidatorIndex, Address: w.Address, Amount: w.Amount}
		}
	}
	if fork >= forks.Deneb {
		blobGasUsed, excessBlobGas := p.BlobGasUsed, p.ExcessBlobGas
		ed.BlobGasUsed, ed.ExcessBlobGas = &blobGasUsed, &excessBlobGas
	}
	return ed, nil
}

// FromExecutableData converts an Engine API payload of fork to the SSZ form,
// checking what the SSZ type limits and what the fork requires (withdrawals
// from capella on, blob gas fields from deneb on, neither before).
func FromExecutableData(fork forks.Fork, ed *gethengine.ExecutableData) (*deneb.ExecutionPayload, error) {
	if ed == nil {
		return nil, convErr("nil executable data")
	}
	if fork < forks.Bellatrix {
		return nil, convErr("fork %s has no execution payload", fork)
	}
	if len(ed.LogsBloom) != logsBloomBytes {
		return nil, convErr("logsBloom %d bytes, want %d", len(ed.LogsBloom), logsBloomBytes)
	}
	if len(ed.ExtraData) > maxExtraDataBytes {
		return nil, convErr("extraData %d bytes > %d", len(ed.ExtraData), maxExtraDataBytes)
	}
	if ed.BaseFeePerGas == nil || ed.BaseFeePerGas.Sign() < 0 || ed.BaseFeePerGas.BitLen() > 256 {
		return nil, convErr("baseFeePerGas %v is not a uint256", ed.BaseFeePerGas)
	}
	if len(ed.Transactions) > maxTransactionsPerPayload {
		return nil, convErr("%d transactions > %d", len(ed.Transactions), maxTransactionsPerPayload)
	}
	if ed.SlotNumber != nil || ed.BlockAccessList != nil {
		return nil, convErr("amsterdam fields (slotNumber, blockAccessList) in a %s payload", fork)
	}
	p := &deneb.ExecutionPayload{
		ParentHash:    ed.ParentHash,
		FeeRecipient:  ed.FeeRecipient,
		StateRoot:     ed.StateRoot,
		ReceiptsRoot:  ed.ReceiptsRoot,
		PrevRandao:    ed.Random,
		BlockNumber:   ed.Number,
		GasLimit:      ed.GasLimit,
		GasUsed:       ed.GasUsed,
		Timestamp:     ed.Timestamp,
		ExtraData:     append([]byte{}, ed.ExtraData...),
		BaseFeePerGas: bigToUint256LE(ed.BaseFeePerGas),
		BlockHash:     ed.BlockHash,
		Transactions:  make([][]byte, len(ed.Transactions)),
	}
	copy(p.LogsBloom[:], ed.LogsBloom)
	for i, tx := range ed.Transactions {
		if len(tx) > maxBytesPerTransaction {
			return nil, convErr("transaction %d: %d bytes > %d", i, len(tx), maxBytesPerTransaction)
		}
		p.Transactions[i] = append([]byte(nil), tx...)
	}
	switch {
	case fork < forks.Capella && ed.Withdrawals != nil:
		return nil, convErr("withdrawals in a %s payload", fork)
	case fork >= forks.Capella && ed.Withdrawals == nil:
		return nil, convErr("no withdrawals in a %s payload", fork)
	case len(ed.Withdrawals) > config.MaxWithdrawalsPerPayload:
		return nil, convErr("%d withdrawals > MAX_WITHDRAWALS_PER_PAYLOAD %d", len(ed.Withdrawals), config.MaxWithdrawalsPerPayload)
	}
	if fork >= forks.Capella {
		p.Withdrawals = make([]*capella.Withdrawal, len(ed.Withdrawals))
		for i, w := range ed.Withdrawals {
			if w == nil {
				return nil, convErr("withdrawal %d is null", i)
			}
			p.Withdrawals[i] = &capella.Withdrawal{Index: w.Index, ValidatorIndex: w.Validator, Address: w.Address, Amount: w.Amount}
		}
	}
	switch {
	case fork < forks.Deneb && (ed.BlobGasUsed != nil || ed.ExcessBlobGas != nil):
		return nil, convErr("blob gas fields in a %s payload", fork)
	case fork >= forks.Deneb && (ed.BlobGasUsed == nil || ed.ExcessBlobGas == nil):
		return nil, convErr("blob gas fields missing in a %s payload", fork)
	}
	if fork >= forks.Deneb {
		p.BlobGasUsed, p.ExcessBlobGas = *ed.BlobGasUsed, *ed.ExcessBlobGas
	}
	return p, nil
}

// uint256LEToBig reads the SSZ uint256 (little-endian) as a big.Int.
func uint256LEToBig(le [32]byte) *big.Int {
	var be [32]byte
	for i := range le {
		be[31-i] = le[i]
	}
	return new(big.Int).SetBytes(be[:])
}

// bigToUint256LE writes v (0 <= v < 2^256, checked by the caller) as the
// SSZ uint256.
func bigToUint256LE(v *big.Int) [32]byte {
	var be, le [32]byte
	v.FillBytes(be[:])
	for i := range be {
		le[31-i] = be[i]
	}
	return le
}

// BlockHash computes the execution block hash of a new-payload request the
// way the execution client does (go-ethereum's ExecutableDataToBlock: the
// header with the transactions, withdrawals and requests roots, the parent
// beacon block root and the versioned hashes checked against the blob
// transactions). A consensus client can check a payload's block_hash with it
// before it asks the engine.
func BlockHash(req *transition.NewPayloadRequest) ([32]byte, error) {
	call, err := newPayloadCall(req)
	if err != nil {
		return [32]byte{}, err
	}
	block, err := gethengine.ExecutableDataToBlockNoHash(*call.data, call.versionedHashes, call.beaconRoot, call.requestsBytes())
	if err != nil {
		return [32]byte{}, convErr("%v", err)
	}
	return block.Hash(), nil
}

// VerifyBlockHash checks that req's payload carries the block hash its
// contents hash to.
func VerifyBlockHash(req *transition.NewPayloadRequest) error {
	h, err := BlockHash(req)
	if err != nil {
		return err
	}
	if h != req.ExecutionPayload.BlockHash {
		return fmt.Errorf("engine: block_hash %x, the payload hashes to %x", req.ExecutionPayload.BlockHash, h)
	}
	return nil
}

// DecodeExecutionRequests is the inverse of
// transition.NewPayloadRequest.ExecutionRequestsList (electra's
// get_execution_requests): each element is a request type byte followed by
// the SSZ encoding of that type's list; types strictly ascending, no empty
// list. It checks what the SSZ limits say (MAX_*_REQUESTS_PER_PAYLOAD).
func DecodeExecutionRequests(list [][]byte) (*electra.ExecutionRequests, error) {
	out := &electra.ExecutionRequests{
		Deposits:       []*electra.DepositRequest{},
		Withdrawals:    []*electra.WithdrawalRequest{},
		Consolidations: []*electra.ConsolidationRequest{},
	}
	prevType := -1
	for i, entry := range list {
		if len(entry) < 2 {
			return nil, convErr("execution request %d: %d bytes, need a type and data", i, len(entry))
		}
		typ, data := int(entry[0]), entry[1:]
		if typ <= prevType {
			return nil, convErr("execution request %d: type %d after type %d (must ascend strictly)", i, typ, prevType)
		}
		prevType = typ
		var err error
		switch byte(typ) {
		case config.DepositRequestType:
			out.Deposits, err = decodeFixedList(data, 192, 8192, func(b []byte) (*electra.DepositRequest, error) {
				r := new(electra.DepositRequest)
				return r, r.UnmarshalSSZ(b)
			})
		case config.WithdrawalRequestType:
			out.Withdrawals, err = decodeFixedList(data, 76, 16, func(b []byte) (*electra.WithdrawalRequest, error) {
				r := new(electra.WithdrawalRequest)
				return r, r.UnmarshalSSZ(b)
			})
		case config.ConsolidationRequestType:
			out.Consolidations, err = decodeFixedList(data, 116, 2, func(b []byte) (*electra.ConsolidationRequest, error) {
				r := new(electra.ConsolidationRequest)
				return r, r.UnmarshalSSZ(b)
			})
		default:
			return nil, convErr("execution request %d: unknown type %d", i, typ)
		}
		if err != nil {
			return nil, convErr("execution request %d (type %d): %v", i, typ, err)
		}
	}
	return out, nil
}

func decodeFixedList[T any](data []byte, size, limit int, decode func([]byte) (T, error)) ([]T, error) {
	if len(data)%size != 0 {
		return nil, fmt.Errorf("%d bytes is not a multiple of the %d-byte element", len(data), size)
	}
	n := len(data) / size
	if n > limit {
		return nil, fmt.Errorf("%d elements > limit %d", n, limit)
	}
	out := make([]T, n)
	for i := range out {
		v, err := decode(data[i*size : (i+1)*size])
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// versionedHashes converts to go-ethereum's type; never nil (V3 and V4 refuse
// a null list).
func versionedHashes(hs [][32]byte) []common.Hash {
	out := make([]common.Hash, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}
