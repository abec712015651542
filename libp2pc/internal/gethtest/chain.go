package gethtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
	"github.com/holiman/uint256"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/transition"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/capella"
	"github.com/libp2pc/libp2pc/libp2pc/engine"
)

// ChainOptions shape the payloads a ChainBuilder makes.
type ChainOptions struct {
	// Fork of the payloads: electra (EL on Prague) or fulu (EL on Osaka).
	// Zero (phase0): each payload takes the fork of its timestamp on the
	// EL's schedule (EL.ForkAt), bellatrix to fulu.
	Fork forks.Fork
	// TxsPerBlock: value transfers from the dev key in each block.
	TxsPerBlock int
	// WithdrawalsPerBlock: synthetic withdrawals in each payload's
	// attributes (the EL credits them; indices run on across blocks).
	WithdrawalsPerBlock int
	// SlotSeconds between payload timestamps; 0 is 12.
	SlotSeconds uint64
	// BuildWait between forkchoiceUpdated with attributes and getPayload,
	// the time geth gets to fill the payload with pool transactions; 0 is
	// 300 ms.
	BuildWait time.Duration
}

// Block is one payload the execution client built, with the new-payload
// request a beacon block carrying it makes.
type Block struct {
	Built   *engine.BuiltPayload
	Request *transition.NewPayloadRequest
}

// Hash is the execution block hash.
func (b *Block) Hash() [32]byte { return b.Built.Payload.BlockHash }

// ChainBuilder makes real payloads: forkchoiceUpdated with payload
// attributes, then getPayload, through the libp2pc engine client.
type ChainBuilder struct {
	client *engine.Client
	el     *EL
	opts   ChainOptions
	key    *ecdsa.PrivateKey
	signer types.Signer
	nonce  uint64

	head            [32]byte
	headTime        uint64
	headNumber      uint64
	withdrawalIndex uint64
}

// NewChainBuilder starts building on el's current head.
func NewChainBuilder(el *EL, client *engine.Client, opts ChainOptions) (*ChainBuilder, error) {
	if opts.Fork != forks.Phase0 && opts.Fork < forks.Bellatrix {
		return nil, fmt.Errorf("gethtest: fork %s has no payloads", opts.Fork)
	}
	if opts.SlotSeconds == 0 {
		opts.SlotSeconds = 12
	}
	if opts.BuildWait == 0 {
		opts.BuildWait = 300 * time.Millisecond
	}
	e := el.Eth()
	if e == nil {
		return nil, fmt.Errorf("gethtest: not running")
	}
	head := e.BlockChain().CurrentBlock()
	key := DevKey()
	return &ChainBuilder{
		client: client, el: el, opts: opts, key: key,
		signer:   types.LatestSigner(el.ChainConfig()),
		nonce:    e.TxPool().Nonce(crypto.PubkeyToAddress(key.PublicKey)),
		head:     head.Hash(),
		headTime: head.Time, headNumber: head.Number.Uint64(),
	}, nil
}

// Head is the hash, timestamp and number of the block the next Next builds
// on.
func (b *ChainBuilder) Head() ([32]byte, uint64, uint64) { return b.head, b.headTime, b.headNumber }

// Transfer signs the dev key's next value transfer.
func (b *ChainBuilder) Transfer() (*types.Transaction, error) {
	to := common.BytesToAddress([]byte{0xaa, byte(b.nonce)})
	tx, err := types.SignNewTx(b.key, b.signer, &types.DynamicFeeTx{
		ChainID:   big.NewInt(ChainID),
		Nonce:     b.nonce,
		GasTipCap: big.NewInt(1_000_000_000),
		GasFeeCap: big.NewInt(100_000_000_000),
		Gas:       21000,
		To:        &to,
		Value:     big.NewInt(1_000_000_000 + int64(b.nonce)),
	})
	if err != nil {
		return nil, err
	}
	b.nonce++
	return tx, nil
}

// FixtureBlobSeed names the blob whose KZG commitment and proofs are stored
// in testdata/fixture_blob.txt: computing 128 cell proofs takes tens of
// seconds on a loaded machine (minutes under -race), so the tests use the
// stored ones. geth's blob pool verifies them on every AddTxs, so a stale
// file fails loudly. Regenerate with
// GETHTEST_REGEN=1 go test -run TestFixtureBlob ./libp2pc/internal/gethtest/
const FixtureBlobSeed = "libp2pc gethtest fixture blob"

//go:embed testdata/fixture_blob.txt
var fixtureBlobText string

// BlobKZG is a blob's KZG commitment, its EIP-4844 blob proof and its
// EIP-7594 cell proofs.
type BlobKZG struct {
	Commitment kzg4844.Commitment
	BlobProof  kzg4844.Proof
	CellProofs []kzg4844.Proof
}

// BlobFromSeed is the deterministic blob of seed (byte 0 of each 32-byte
// field element stays 0, so every element is canonical).
func BlobFromSeed(seed string) *kzg4844.Blob {
	var blob kzg4844.Blob
	h := sha256.Sum256([]byte(seed))
	for i := 0; i < len(blob); i += 32 {
		h = sha256.Sum256(h[:])
		copy(blob[i+1:i+32], h[:31])
	}
	return &blob
}

// ComputeBlobKZG computes commitment and proofs (slow: see FixtureBlobSeed).
func ComputeBlobKZG(blob *kzg4844.Blob) (*BlobKZG, error) {
	commit, err := kzg4844.BlobToCommitment(blob)
	if err != nil {
		return nil, err
	}
	proof, err := kzg4844.ComputeBlobProof(blob, commit)
	if err != nil {
		return nil, err
	}
	cells, err := kzg4844.ComputeCellProofs(blob)
	if err != nil {
		return nil, err
	}
	return &BlobKZG{Commitment: commit, BlobProof: proof, CellProofs: cells}, nil
}

// FormatBlobKZG writes k in the fixture file's format.
func FormatBlobKZG(k *BlobKZG) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "commitment %x\nblobproof %x\n", k.Commitment[:], k.BlobProof[:])
	for _, p := range k.CellProofs {
		fmt.Fprintf(&sb, "cellproof %x\n", p[:])
	}
	return sb.String()
}

func parseBlobKZG(text string) (*BlobKZG, error) {
	k := &BlobKZG{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		key, val, ok := strings.Cut(line, " ")
		raw, err := hex.DecodeString(val)
		if !ok || err != nil || len(raw) != 48 {
			return nil, fmt.Errorf("gethtest: fixture blob line %q", line)
		}
		switch key {
		case "commitment":
			k.Commitment = kzg4844.Commitment(raw)
		case "blobproof":
			k.BlobProof = kzg4844.Proof(raw)
		case "cellproof":
			k.CellProofs = append(k.CellProofs, kzg4844.Proof(raw))
		default:
			return nil, fmt.Errorf("gethtest: fixture blob key %q", key)
		}
	}
	if len(k.CellProofs) != kzg4844.CellProofsPerBlob {
		return nil, fmt.Errorf("gethtest: fixture blob has %d cell proofs", len(k.CellProofs))
	}
	return k, nil
}

// BlobTx signs the dev key's next transaction carrying the blob of seed,
// with the sidecar form of the next block's fork (fulu: version 1, 128
// cell proofs; before: version 0, one blob proof). The FixtureBlobSeed blob uses the
// stored proofs; any other seed computes them. It returns the versioned
// hash too.
func (b *ChainBuilder) BlobTx(seed string) (*types.Transaction, [32]byte, error) {
	blob := BlobFromSeed(seed)
	var k *BlobKZG
	var err error
	if seed == FixtureBlobSeed {
		k, err = parseBlobKZG(fixtureBlobText)
	} else {
		k, err = ComputeBlobKZG(blob)
	}
	if err != nil {
		return nil, [32]byte{}, err
	}
	var sidecar *types.BlobTxSidecar
	if b.forkAt(b.headTime+b.opts.SlotSeconds) >= forks.Fulu {
		sidecar = types.NewBlobTxSidecar(types.BlobSidecarVersion1, []kzg4844.Blob{*blob}, []kzg4844.Commitment{k.Commitment}, k.CellProofs)
	} else {
		sidecar = types.NewBlobTxSidecar(types.BlobSidecarVersion0, []kzg4844.Blob{*blob}, []kzg4844.Commitment{k.Commitment}, []kzg4844.Proof{k.BlobProof})
	}
	to := crypto.PubkeyToAddress(b.key.PublicKey)
	tx, err := types.SignNewTx(b.key, b.signer, &types.BlobTx{
		ChainID:    uint256.NewInt(ChainID),
		Nonce:      b.nonce,
		GasTipCap:  uint256.NewInt(2_000_000_000),
		GasFeeCap:  uint256.NewInt(200_000_000_000),
		Gas:        21000,
		To:         to,
		Value:      uint256.NewInt(0),
		BlobFeeCap: uint256.NewInt(10_000_000_000),
		BlobHashes: sidecar.BlobHashes(),
		Sidecar:    sidecar,
	})
	if err != nil {
		return nil, [32]byte{}, err
	}
	b.nonce++
	return tx, sidecar.BlobHashes()[0], nil
}

// BeaconRoot is the parent beacon block root the builder gives the block
// with this execution block number (any 32 bytes do for the EL, which only
// stores it in the EIP-4788 contract; deterministic so chains repeat).
func BeaconRoot(number uint64) [32]byte { return tagged("gethtest beacon root", number) }

// PrevRandao the builder gives the block with this number.
func PrevRandao(number uint64) [32]byte { return tagged("gethtest randao", number) }

// forkAt: the fixed fork of the options, or the schedule's.
func (b *ChainBuilder) forkAt(timestamp uint64) forks.Fork {
	if b.opts.Fork != forks.Phase0 {
		return b.opts.Fork
	}
	return b.el.ForkAt(timestamp)
}

func tagged(tag string, n uint64) [32]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return sha256.Sum256(append([]byte(tag), b[:]...))
}

// Build asks the execution client for a payload on parent (timestamp
// parentTime, number parentNumber) containing every transaction of want,
// which it first adds to the pool unless the pool has them, with the
// builder's attributes: the slot after parentTime, PrevRandao(number),
// BeaconRoot(number) from deneb, WithdrawalsPerBlock synthetic withdrawals
// from capella. It does not import the payload.
func (b *ChainBuilder) Build(ctx context.Context, el *EL, parent [32]byte, parentTime, parentNumber uint64, want []*types.Transaction) (*Block, error) {
	number := parentNumber + 1
	timestamp := parentTime + b.opts.SlotSeconds
	fork := b.forkAt(timestamp)
	attrs := engine.PayloadAttributes{Timestamp: timestamp, PrevRandao: PrevRandao(number), SuggestedFeeRecipient: [20]byte{0xfe}}
	if fork >= forks.Capella {
		attrs.Withdrawals = make([]*capella.Withdrawal, b.opts.WithdrawalsPerBlock)
		for i := range attrs.Withdrawals {
			attrs.Withdrawals[i] = &capella.Withdrawal{
				Index: b.withdrawalIndex + uint64(i), ValidatorIndex: uint64(i),
				Address: [20]byte{0xee, byte(i)}, Amount: 1_000_000 + uint64(i),
			}
		}
	}
	if fork >= forks.Deneb {
		root := BeaconRoot(number)
		attrs.ParentBeaconBlockRoot = &root
	}
	blk, err := b.BuildWith(ctx, el, fork, parent, attrs, want)
	if err != nil {
		return nil, err
	}
	b.withdrawalIndex += uint64(len(attrs.Withdrawals))
	return blk, nil
}

// BuildWith asks for a payload of fork on parent with the caller's
// attributes (a consensus chain generator passes the slot's timestamp, the
// state's randao mix, its expected withdrawals and the parent beacon block
// root) containing every transaction of want (added to the pool unless
// there already). geth fills a payload in the background; if want is not
// all in after BuildWait, it builds again, waiting twice as long, three
// times at most; a retry needs a new payload id, so it changes the fee
// recipient's last byte (the only attribute the consensus side leaves
// free). It does not import the payload.
func (b *ChainBuilder) BuildWith(ctx context.Context, el *EL, fork forks.Fork, parent [32]byte, attrs engine.PayloadAttributes, want []*types.Transaction) (*Block, error) {
	if e := el.Eth(); e != nil {
		var fresh []*types.Transaction
		for _, tx := range want {
			if !e.TxPool().Has(tx.Hash()) {
				fresh = append(fresh, tx)
			}
		}
		if err := el.AddTxs(fresh...); err != nil {
			return nil, err
		}
	}
	wait := b.opts.BuildWait
	for attempt := 0; attempt < 3; attempt++ {
		a := attrs
		if attempt > 0 {
			a.SuggestedFeeRecipient[19] ^= byte(attempt)
		}
		res, err := b.client.ForkchoiceUpdated(ctx, fork, engine.ForkchoiceState{Head: parent}, &a)
		if err != nil {
			return nil, err
		}
		if res.PayloadStatus.Status != engine.StatusValid || res.PayloadID == nil {
			return nil, fmt.Errorf("gethtest: forkchoiceUpdated on %x: %s, payload id %v", parent, res.PayloadStatus.Status, res.PayloadID)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		built, err := b.client.GetPayload(ctx, fork, *res.PayloadID)
		if err != nil {
			return nil, err
		}
		if !containsAll(built.Payload.Transactions, want) {
			wait *= 2
			continue
		}
		var beaconRoot [32]byte
		if a.ParentBeaconBlockRoot != nil {
			beaconRoot = *a.ParentBeaconBlockRoot
		}
		return &Block{Built: built, Request: RequestOf(built, beaconRoot)}, nil
	}
	return nil, fmt.Errorf("gethtest: geth did not include the %d transactions in 3 builds", len(want))
}

func containsAll(payloadTxs [][]byte, want []*types.Transaction) bool {
	have := make(map[common.Hash]bool, len(payloadTxs))
	for _, raw := range payloadTxs {
		var tx types.Transaction
		if tx.UnmarshalBinary(raw) == nil {
			have[tx.Hash()] = true
		}
	}
	for _, tx := range want {
		if !have[tx.Hash()] {
			return false
		}
	}
	return true
}

// RequestOf is the new-payload request of a beacon block carrying built
// with parent beacon block root root (deneb and later; zero before):
// versioned hashes from the blob commitments
// (kzg_commitment_to_versioned_hash).
func RequestOf(built *engine.BuiltPayload, root [32]byte) *transition.NewPayloadRequest {
	req := &transition.NewPayloadRequest{
		Fork: built.Fork, ExecutionPayload: built.Payload,
		VersionedHashes: [][32]byte{}, ParentBeaconBlockRoot: root, ExecutionRequests: built.ExecutionRequests,
	}
	if built.Blobs != nil {
		for _, c := range built.Blobs.Commitments {
			commit := kzg4844.Commitment(c)
			req.VersionedHashes = append(req.VersionedHashes, kzg4844.CalcBlobHashV1(sha256.New(), &commit))
		}
	}
	return req
}

// Next builds a block on the builder's head with TxsPerBlock fresh
// transfers (plus extra), imports it (newPayload must be VALID) and makes
// it the EL's head (forkchoiceUpdated), then moves the builder's head.
func (b *ChainBuilder) Next(ctx context.Context, el *EL, extra ...*types.Transaction) (*Block, error) {
	want := append([]*types.Transaction(nil), extra...)
	for range b.opts.TxsPerBlock {
		tx, err := b.Transfer()
		if err != nil {
			return nil, err
		}
		want = append(want, tx)
	}
	blk, err := b.Build(ctx, el, b.head, b.headTime, b.headNumber, want)
	if err != nil {
		return nil, err
	}
	st, err := b.client.NewPayload(ctx, blk.Request)
	if err != nil {
		return nil, err
	}
	if st.Status != engine.StatusValid {
		return nil, fmt.Errorf("gethtest: newPayload of built block %d: %s %s", blk.Built.Payload.BlockNumber, st.Status, st.ValidationError)
	}
	res, err := b.client.ForkchoiceUpdated(ctx, blk.Built.Fork, engine.ForkchoiceState{Head: blk.Hash()}, nil)
	if err != nil {
		return nil, err
	}
	if res.PayloadStatus.Status != engine.StatusValid {
		return nil, fmt.Errorf("gethtest: forkchoiceUpdated to block %d: %s", blk.Built.Payload.BlockNumber, res.PayloadStatus.Status)
	}
	b.head, b.headTime, b.headNumber = blk.Hash(), blk.Built.Payload.Timestamp, blk.Built.Payload.BlockNumber
	return blk, nil
}

// Chain builds and imports n blocks with Next.
func (b *ChainBuilder) Chain(ctx context.Context, el *EL, n int) ([]*Block, error) {
	out := make([]*Block, 0, n)
	for range n {
		blk, err := b.Next(ctx, el)
		if err != nil {
			return out, err
		}
		out = append(out, blk)
	}
	return out, nil
}
