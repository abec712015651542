// blobsend sends one EIP-4844 blob transaction (with EIP-7594 cell proofs, sidecar
// version 1, as required after Osaka) to a geth node and waits for its receipt.
//
// A copy of ../shared/interop/prysm-devnet/blobsend with one addition: `-v0` sends a
// version-0 sidecar (one KZG proof per blob), the form geth includes before Osaka,
// so that the devnet has Electra blocks with blobs. Built by mk/devnet.mk into
// DEVNET_HOME/bin/blobsend-v0 (inside the go-ethereum tree, as build.sh does).
package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/holiman/uint256"
)

func die(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

func main() {
	url, v0 := "http://127.0.0.1:8545", false
	for _, a := range os.Args[1:] {
		if a == "-v0" {
			v0 = true
		} else {
			url = a
		}
	}
	// well-known dev key (address 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266), funded in genesis
	key, err := crypto.HexToECDSA("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
	die("key", err)
	from := crypto.PubkeyToAddress(key.PublicKey)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	c, err := ethclient.DialContext(ctx, url)
	die("dial", err)
	chainID, err := c.ChainID(ctx)
	die("chainid", err)
	nonce, err := c.PendingNonceAt(ctx, from)
	die("nonce", err)
	head, err := c.HeaderByNumber(ctx, nil)
	die("head", err)

	// deterministic blob content; byte 0 of every 32-byte field element stays 0 so it is canonical
	var blob kzg4844.Blob
	seed := sha256.Sum256([]byte("libp2pc-devnet-blob"))
	for i := 0; i < len(blob); i += 32 {
		seed = sha256.Sum256(seed[:])
		copy(blob[i+1:i+32], seed[:31])
	}
	commit, err := kzg4844.BlobToCommitment(&blob)
	die("commitment", err)
	var sc *types.BlobTxSidecar
	var proofs []kzg4844.Proof
	if v0 {
		proof, err := kzg4844.ComputeBlobProof(&blob, commit)
		die("blob proof", err)
		proofs = []kzg4844.Proof{proof}
		sc = types.NewBlobTxSidecar(types.BlobSidecarVersion0, []kzg4844.Blob{blob}, []kzg4844.Commitment{commit}, proofs)
	} else {
		proofs, err = kzg4844.ComputeCellProofs(&blob)
		die("cell proofs", err)
		sc = types.NewBlobTxSidecar(types.BlobSidecarVersion1, []kzg4844.Blob{blob}, []kzg4844.Commitment{commit}, proofs)
	}

	baseFee := head.BaseFee
	feeCap := new(big.Int).Add(new(big.Int).Mul(baseFee, big.NewInt(2)), big.NewInt(2_000_000_000))
	tx := types.NewTx(&types.BlobTx{
		ChainID:    uint256.MustFromBig(chainID),
		Nonce:      nonce,
		GasTipCap:  uint256.NewInt(2_000_000_000),
		GasFeeCap:  uint256.MustFromBig(feeCap),
		Gas:        21000,
		To:         from,
		Value:      uint256.NewInt(0),
		BlobFeeCap: uint256.NewInt(10_000_000_000),
		BlobHashes: sc.BlobHashes(),
		Sidecar:    sc,
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), key)
	die("sign", err)
	die("send", c.SendTransaction(ctx, signed))
	fmt.Printf("sent tx %s from %s nonce %d commitment 0x%x versioned_hash %s proofs %d\n",
		signed.Hash(), from, nonce, commit[:], sc.BlobHashes()[0], len(proofs))
	for {
		r, err := c.TransactionReceipt(ctx, signed.Hash())
		if err == nil {
			fmt.Printf("included in block %d (%s) status %d blobGasUsed %d blobGasPrice %v\n",
				r.BlockNumber, r.BlockHash, r.Status, r.BlobGasUsed, r.BlobGasPrice)
			return
		}
		select {
		case <-ctx.Done():
			die("waiting for receipt", ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
