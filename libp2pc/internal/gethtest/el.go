// Package gethtest runs go-ethereum v1.17 in process as a real execution
// client for tests: its node, eth service and catalyst Engine API on an
// authenticated HTTP endpoint on 127.0.0.1 with a JWT secret, on a
// post-merge genesis with Prague (electra) or Osaka (fulu) active from block
// 0 and the system contracts Prague needs in the allocation (EIP-2935,
// EIP-4788, EIP-7002, EIP-7251). It also builds real chains of execution
// payloads through the Engine API (chain.go).
//
// Tests and test tools only: it links geth's full node, which the shipped
// library must not (libp2pc/engine has a test that checks it does not).
package gethtest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/forks"
)

// DevKeyHex is the well-known dev key (address
// 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266), funded in the genesis.
const DevKeyHex = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

// GenesisTimestamp is the genesis block's time: fixed, so the same options
// give the same genesis hash and the same chain.
const GenesisTimestamp = 1_700_000_000

// ChainID of the test network.
const ChainID = 32382

// Options of an in-process execution client.
type Options struct {
	// Osaka activates Osaka (fulu: getPayloadV5, getBlobsV2, cell-proof
	// blob sidecars) at genesis; otherwise the chain is on Prague
	// (electra).
	Osaka bool
	// Forks, if set, schedules Shanghai .. Osaka after genesis (Osaka is
	// then ignored).
	Forks *ForkOffsets
	// DataDir: empty makes a temporary one (removed by Stop).
	DataDir string
	// Secret: the zero value draws a random one.
	Secret [32]byte
	// Quiet silences geth's logging (the default logger is replaced once
	// per process).
	Quiet bool
}

// EL is a running (or stopped) in-process geth.
type EL struct {
	opts    Options
	genesis *core.Genesis
	jwtPath string
	port    int
	tmpDir  string

	mu    sync.Mutex
	stack *node.Node
	eth   *eth.Ethereum
}

// DevKey returns the funded key.
func DevKey() *ecdsa.PrivateKey {
	k, err := crypto.HexToECDSA(DevKeyHex)
	if err != nil {
		panic(err)
	}
	return k
}

// ForkOffsets schedules the execution forks after genesis (seconds after
// GenesisTimestamp): a chain that starts on Paris (bellatrix payloads) and
// walks through Shanghai (capella), Cancun (deneb), Prague (electra) and
// Osaka (fulu). Offsets must not decrease.
type ForkOffsets struct {
	Shanghai, Cancun, Prague, Osaka uint64
}

// Genesis returns the execution genesis for opts: every fork through
// Prague (and Osaka with opts.Osaka) at time 0, or on opts.Forks'
// schedule; TTD 0; the four Prague system contracts and the funded dev
// account.
func Genesis(opts Options) *core.Genesis {
	cfg := *params.MergedTestChainConfig
	cfg.ChainID = big.NewInt(ChainID)
	if !opts.Osaka {
		cfg.OsakaTime = nil
	}
	if f := opts.Forks; f != nil {
		at := func(offset uint64) *uint64 { t := uint64(GenesisTimestamp) + offset; return &t }
		cfg.ShanghaiTime, cfg.CancunTime, cfg.PragueTime, cfg.OsakaTime = at(f.Shanghai), at(f.Cancun), at(f.Prague), at(f.Osaka)
	}
	funded, _ := new(big.Int).SetString("1000000000000000000000000000", 10)
	g := &core.Genesis{
		Config: &cfg,
		Alloc: types.GenesisAlloc{
			params.BeaconRootsAddress:                  {Nonce: 1, Code: params.BeaconRootsCode, Balance: common.Big0},
			params.HistoryStorageAddress:               {Nonce: 1, Code: params.HistoryStorageCode, Balance: common.Big0},
			params.WithdrawalQueueAddress:              {Nonce: 1, Code: params.WithdrawalQueueCode, Balance: common.Big0},
			params.ConsolidationQueueAddress:           {Nonce: 1, Code: params.ConsolidationQueueCode, Balance: common.Big0},
			crypto.PubkeyToAddress(DevKey().PublicKey): {Balance: funded},
		},
		Timestamp:     GenesisTimestamp,
		GasLimit:      60_000_000,
		BaseFee:       big.NewInt(params.InitialBaseFee),
		Difficulty:    common.Big0,
		ExcessBlobGas: new(uint64),
		BlobGasUsed:   new(uint64),
	}
	if opts.Forks != nil && opts.Forks.Cancun > 0 {
		// A pre-Cancun genesis has no blob gas fields.
		g.ExcessBlobGas, g.BlobGasUsed = nil, nil
	}
	return g
}

var quietOnce sync.Once

// Start starts geth with opts.
func Start(opts Options) (*EL, error) {
	if opts.Quiet {
		quietOnce.Do(func() { log.SetDefault(log.NewLogger(log.DiscardHandler())) })
	}
	el := &EL{opts: opts, genesis: Genesis(opts)}
	if el.opts.DataDir == "" {
		dir, err := os.MkdirTemp("", "gethtest-")
		if err != nil {
			return nil, err
		}
		el.tmpDir, el.opts.DataDir = dir, dir
	}
	if el.opts.Secret == ([32]byte{}) {
		if _, err := rand.Read(el.opts.Secret[:]); err != nil {
			return nil, err
		}
	}
	el.jwtPath = filepath.Join(el.opts.DataDir, "jwt.hex")
	if err := os.WriteFile(el.jwtPath, []byte(hex.EncodeToString(el.opts.Secret[:])), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	el.port = port
	if err := el.start(); err != nil {
		el.cleanup()
		return nil, err
	}
	return el, nil
}

// freePort asks the kernel for a free loopback port (the authenticated
// endpoint keeps it across restarts).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (el *EL) start() error {
	el.mu.Lock()
	defer el.mu.Unlock()
	if el.stack != nil {
		return fmt.Errorf("gethtest: already running")
	}
	stack, err := node.New(&node.Config{
		Name:      "gethtest",
		DataDir:   el.opts.DataDir,
		AuthAddr:  "127.0.0.1",
		AuthPort:  el.port,
		JWTSecret: el.jwtPath,
		P2P:       p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""},
	})
	if err != nil {
		return fmt.Errorf("gethtest: node: %w", err)
	}
	cfg := ethconfig.Defaults
	cfg.Genesis = el.genesis
	cfg.SyncMode = ethconfig.FullSync
	// Small caches: the machine is shared.
	cfg.DatabaseCache, cfg.TrieCleanCache, cfg.TrieDirtyCache, cfg.SnapshotCache = 16, 16, 16, 0
	cfg.Miner.Recommit = 500 * time.Millisecond
	// No log search index: nothing here searches logs, and its indexer
	// makes shutdown take a minute under -race on a loaded machine.
	cfg.LogNoHistory = true
	backend, err := eth.New(stack, &cfg)
	if err != nil {
		stack.Close()
		return fmt.Errorf("gethtest: eth: %w", err)
	}
	if err := catalyst.Register(stack, backend); err != nil {
		stack.Close()
		return fmt.Errorf("gethtest: catalyst: %w", err)
	}
	if err := stack.Start(); err != nil {
		stack.Close()
		return fmt.Errorf("gethtest: start: %w", err)
	}
	// No peers will ever come: consider the node synced, so forkchoice
	// updates to older blocks are applied rather than ignored.
	backend.SetSynced()
	el.stack, el.eth = stack, backend
	return nil
}

// Stop shuts geth down (the data directory stays for Restart).
func (el *EL) Stop() error {
	el.mu.Lock()
	defer el.mu.Unlock()
	if el.stack == nil {
		return nil
	}
	err := el.stack.Close()
	el.stack, el.eth = nil, nil
	return err
}

// Restart starts a stopped geth again on the same data directory, port and
// secret.
func (el *EL) Restart() error { return el.start() }

// Close stops geth and removes a temporary data directory.
func (el *EL) Close() error {
	err := el.Stop()
	el.cleanup()
	return err
}

func (el *EL) cleanup() {
	if el.tmpDir != "" {
		os.RemoveAll(el.tmpDir)
		el.tmpDir = ""
	}
}

// Endpoint is the authenticated Engine API URL.
func (el *EL) Endpoint() string {
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(el.port))}).String()
}

// Secret is the JWT secret geth expects.
func (el *EL) Secret() [32]byte { return el.opts.Secret }

// JWTPath is the secret file (hex), as geth's --authrpc.jwtsecret takes it.
func (el *EL) JWTPath() string { return el.jwtPath }

// GenesisBlock is the execution genesis block.
func (el *EL) GenesisBlock() *types.Block { return el.genesis.ToBlock() }

// ForkAt is the consensus fork whose payloads carry this timestamp:
// bellatrix before Shanghai, capella before Cancun, deneb before Prague,
// electra before Osaka, fulu after.
func (el *EL) ForkAt(timestamp uint64) forks.Fork {
	c := el.genesis.Config
	switch {
	case !c.IsShanghai(common.Big0, timestamp):
		return forks.Bellatrix
	case !c.IsCancun(common.Big0, timestamp):
		return forks.Capella
	case !c.IsPrague(common.Big0, timestamp):
		return forks.Deneb
	case !c.IsOsaka(common.Big0, timestamp):
		return forks.Electra
	}
	return forks.Fulu
}

// ChainConfig of the network.
func (el *EL) ChainConfig() *params.ChainConfig { return el.genesis.Config }

// Eth is the running eth service (nil while stopped).
func (el *EL) Eth() *eth.Ethereum {
	el.mu.Lock()
	defer el.mu.Unlock()
	return el.eth
}

// Head is geth's current canonical head (nil while stopped).
func (el *EL) Head() *types.Header {
	if e := el.Eth(); e != nil {
		return e.BlockChain().CurrentBlock()
	}
	return nil
}

// HasBlock tells whether geth stores the block with this hash.
func (el *EL) HasBlock(hash common.Hash) bool {
	if e := el.Eth(); e != nil {
		return e.BlockChain().GetBlockByHash(hash) != nil
	}
	return false
}

// AddTxs adds transactions to geth's pool (local, synchronously).
func (el *EL) AddTxs(txs ...*types.Transaction) error {
	e := el.Eth()
	if e == nil {
		return fmt.Errorf("gethtest: not running")
	}
	for i, err := range e.TxPool().Add(txs, true) {
		if err != nil {
			return fmt.Errorf("gethtest: tx %d: %w", i, err)
		}
	}
	return nil
}
