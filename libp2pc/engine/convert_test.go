package engine

import (
	"bytes"
	"errors"
	"math/big"
	"reflect"
	"testing"

	gethengine "github.com/ethereum/go-ethereum/beacon/engine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/trie"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/deneb"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/electra"
)

// gethBlock assembles a block of fork the way go-ethereum does (its header
// hash is the reference block hash): two signed transactions, withdrawals
// from capella, blob gas and a beacon root from deneb, a requests hash from
// electra.
func gethBlock(t *testing.T, fork forks.Fork, requests [][]byte) (*types.Block, *common.Hash) {
	t.Helper()
	key, _ := crypto.GenerateKey()
	signer := types.LatestSignerForChainID(big.NewInt(7))
	var txs []*types.Transaction
	for i := range 2 {
		to := common.Address{0x01, byte(i)}
		tx, err := types.SignNewTx(key, signer, &types.DynamicFeeTx{ChainID: big.NewInt(7), Nonce: uint64(i), GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(1e9), Gas: 21000, To: &to, Value: big.NewInt(int64(i + 1))})
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, tx)
	}
	header := &types.Header{
		ParentHash: common.Hash{0x11}, UncleHash: types.EmptyUncleHash, Coinbase: common.Address{0x22},
		Root: common.Hash{0x33}, TxHash: types.DeriveSha(types.Transactions(txs), trie.NewStackTrie(nil)),
		ReceiptHash: common.Hash{0x44}, Bloom: types.Bloom{0x55, 0xff: 0x66}, Difficulty: common.Big0,
		Number: big.NewInt(1234), GasLimit: 30_000_000, GasUsed: 42000, Time: 1_700_000_012,
		Extra: []byte("libp2pc"), MixDigest: common.Hash{0x77},
		// Larger than 2^64 so the little-endian uint256 conversion is
		// exercised beyond one word.
		BaseFee: new(big.Int).Lsh(big.NewInt(0x1234567), 70),
	}
	body := types.Body{Transactions: txs}
	var beaconRoot *common.Hash
	if fork >= forks.Capella {
		body.Withdrawals = types.Withdrawals{
			{Index: 9, Validator: 3, Address: common.Address{0x99}, Amount: 32_000_000_000},
			{Index: 10, Validator: 4, Address: common.Address{0x98}, Amount: 1},
		}
		h := types.DeriveSha(types.Withdrawals(body.Withdrawals), trie.NewStackTrie(nil))
		header.WithdrawalsHash = &h
	}
	if fork >= forks.Deneb {
		used, excess := uint64(131072), uint64(393216)
		header.BlobGasUsed, header.ExcessBlobGas = &used, &excess
		root := common.Hash{0xbe, 0xac}
		header.ParentBeaconRoot, beaconRoot = &root, &root
	}
	if fork >= forks.Electra {
		h := types.CalcRequestsHash(requests)
		header.RequestsHash = &h
	}
	return types.NewBlockWithHeader(header).WithBody(body), beaconRoot
}

func sampleRequests() *electra.ExecutionRequests {
	return &electra.ExecutionRequests{
		Deposits:       []*electra.DepositRequest{{Pubkey: [48]byte{1}, WithdrawalCredentials: [32]byte{2}, Amount: 32e9, Signature: [96]byte{3}, Index: 7}},
		Withdrawals:    []*electra.WithdrawalRequest{},
		Consolidations: []*electra.ConsolidationRequest{{SourceAddress: [20]byte{4}, SourcePubkey: [48]byte{5}, TargetPubkey: [48]byte{6}}},
	}
}

// TestConversionMatchesGethBlockHash: for every fork with a payload, a
// block assembled by go-ethereum converts to the SSZ payload and back
// unchanged, and BlockHash of the new-payload request (computed by
// go-ethereum's ExecutableDataToBlock from our conversion) is the block's
// hash.
func TestConversionMatchesGethBlockHash(t *testing.T) {
	for _, fork := range []forks.Fork{forks.Bellatrix, forks.Capella, forks.Deneb, forks.Electra, forks.Fulu} {
		t.Run(fork.String(), func(t *testing.T) {
			req := &transition.NewPayloadRequest{Fork: fork}
			var list [][]byte
			if fork >= forks.Electra {
				req.ExecutionRequests = sampleRequests()
				var err error
				if list, err = req.ExecutionRequestsList(); err != nil {
					t.Fatal(err)
				}
			}
			block, beaconRoot := gethBlock(t, fork, list)
			env := gethengine.BlockToExecutableData(block, big.NewInt(0), nil, list)
			payload, err := FromExecutableData(fork, env.ExecutionPayload)
			if err != nil {
				t.Fatal(err)
			}
			if payload.BlockHash != block.Hash() || payload.BlockNumber != 1234 || len(payload.Transactions) != 2 {
				t.Fatalf("payload %x #%d with %d txs", payload.BlockHash, payload.BlockNumber, len(payload.Transactions))
			}
			if got := uint256LEToBig(payload.BaseFeePerGas); got.Cmp(block.BaseFee()) != 0 {
				t.Fatalf("base fee %v, want %v", got, block.BaseFee())
			}
			// SSZ round trip, then back to the Engine API form.
			enc, err := payload.MarshalSSZ()
			if err != nil {
				t.Fatal(err)
			}
			decoded := new(deneb.ExecutionPayload)
			if err := decoded.UnmarshalSSZ(enc); err != nil {
				t.Fatal(err)
			}
			back, err := ToExecutableData(fork, decoded)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, env.ExecutionPayload) {
				t.Fatalf("round trip changed the payload:\n got %+v\nwant %+v", back, env.ExecutionPayload)
			}
			req.ExecutionPayload = decoded
			req.VersionedHashes = [][32]byte{}
			if beaconRoot != nil {
				req.ParentBeaconBlockRoot = *beaconRoot
			}
			h, err := BlockHash(req)
			if err != nil {
				t.Fatal(err)
			}
			if h != block.Hash() {
				t.Fatalf("BlockHash %x, go-ethereum's block hash %x", h, block.Hash())
			}
			if err := VerifyBlockHash(req); err != nil {
				t.Fatal(err)
			}
			// One changed field, one different hash.
			decoded.GasUsed++
			if err := VerifyBlockHash(req); err == nil {
				t.Fatal("a changed gas_used still verifies")
			}
		})
	}
}

func TestConversionRejects(t *testing.T) {
	good := func() *gethengine.ExecutableData {
		block, _ := gethBlock(t, forks.Deneb, nil)
		return gethengine.BlockToExecutableData(block, big.NewInt(0), nil, nil).ExecutionPayload
	}
	cases := []struct {
		name string
		fork forks.Fork
		edit func(*gethengine.ExecutableData)
	}{
		{"short logs bloom", forks.Deneb, func(e *gethengine.ExecutableData) { e.LogsBloom = e.LogsBloom[:255] }},
		{"33-byte extra data", forks.Deneb, func(e *gethengine.ExecutableData) { e.ExtraData = make([]byte, 33) }},
		{"negative base fee", forks.Deneb, func(e *gethengine.ExecutableData) { e.BaseFeePerGas = big.NewInt(-1) }},
		{"base fee over 256 bits", forks.Deneb, func(e *gethengine.ExecutableData) { e.BaseFeePerGas = new(big.Int).Lsh(common.Big1, 256) }},
		{"no base fee", forks.Deneb, func(e *gethengine.ExecutableData) { e.BaseFeePerGas = nil }},
		{"no withdrawals after capella", forks.Deneb, func(e *gethengine.ExecutableData) { e.Withdrawals = nil }},
		{"withdrawals before capella", forks.Bellatrix, func(e *gethengine.ExecutableData) { e.BlobGasUsed, e.ExcessBlobGas = nil, nil }},
		{"no blob gas after deneb", forks.Deneb, func(e *gethengine.ExecutableData) { e.BlobGasUsed = nil }},
		{"blob gas before deneb", forks.Capella, func(e *gethengine.ExecutableData) {}},
		{"too many withdrawals", forks.Deneb, func(e *gethengine.ExecutableData) {
			e.Withdrawals = make([]*types.Withdrawal, 17)
			for i := range e.Withdrawals {
				e.Withdrawals[i] = &types.Withdrawal{}
			}
		}},
		{"null withdrawal", forks.Deneb, func(e *gethengine.ExecutableData) { e.Withdrawals[0] = nil }},
		{"amsterdam slot number", forks.Fulu, func(e *gethengine.ExecutableData) { n := uint64(1); e.SlotNumber = &n }},
		{"phase0", forks.Phase0, func(e *gethengine.ExecutableData) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ed := good()
			c.edit(ed)
			if _, err := FromExecutableData(c.fork, ed); !errors.Is(err, ErrConversion) {
				t.Fatalf("got %v, want ErrConversion", err)
			}
		})
	}
	// The SSZ side: fields a fork must not carry.
	p := &deneb.ExecutionPayload{BlobGasUsed: 1}
	if _, err := ToExecutableData(forks.Capella, p); !errors.Is(err, ErrConversion) {
		t.Fatalf("blob gas in a capella payload: %v", err)
	}
	if _, err := ToExecutableData(forks.Deneb, &deneb.ExecutionPayload{ExtraData: make([]byte, 33)}); !errors.Is(err, ErrConversion) {
		t.Fatalf("33-byte extra data: %v", err)
	}
	if _, err := ToExecutableData(forks.Deneb, nil); !errors.Is(err, ErrConversion) {
		t.Fatalf("nil payload: %v", err)
	}
}

func TestDecodeExecutionRequests(t *testing.T) {
	want := sampleRequests()
	list, err := (&transition.NewPayloadRequest{ExecutionRequests: want}).ExecutionRequestsList()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0][0] != 0 || list[1][0] != 2 {
		t.Fatalf("list types %d entries", len(list))
	}
	got, err := DecodeExecutionRequests(list)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: got %+v want %+v", got, want)
	}
	empty, err := DecodeExecutionRequests([][]byte{})
	if err != nil || len(empty.Deposits)+len(empty.Withdrawals)+len(empty.Consolidations) != 0 {
		t.Fatalf("empty list: %+v, %v", empty, err)
	}
	bad := map[string][][]byte{
		"descending types":     {list[1], list[0]},
		"repeated type":        {list[0], list[0]},
		"type only":            {{0x01}},
		"unknown type":         {append([]byte{0x03}, make([]byte, 76)...)},
		"partial element":      {append([]byte{0x01}, make([]byte, 75)...)},
		"too many withdrawals": {append([]byte{0x01}, make([]byte, 17*76)...)},
	}
	for name, l := range bad {
		if _, err := DecodeExecutionRequests(l); !errors.Is(err, ErrConversion) {
			t.Errorf("%s: got %v, want ErrConversion", name, err)
		}
	}
}

func TestUint256LittleEndian(t *testing.T) {
	v := new(big.Int).SetBytes(bytes.Repeat([]byte{0xab}, 32))
	le := bigToUint256LE(v)
	if le[0] != 0xab || uint256LEToBig(le).Cmp(v) != 0 {
		t.Fatalf("round trip of %x: %x", v, le)
	}
	le = bigToUint256LE(big.NewInt(params.InitialBaseFee))
	if le[0] != 0x00 || le[1] != 0xca || le[2] != 0x9a || le[3] != 0x3b {
		t.Fatalf("1 gwei little-endian: %x", le[:4])
	}
}
