//go:build interop && !minimal

package interop

import "errors"

// DecodeBlocksSupported: without the minimal tag the consensus types are
// mainnet-preset and cannot decode the dev chain's blocks.
const DecodeBlocksSupported = false

// DecodeBlock needs -tags minimal (Lodestar's dev chain is minimal preset).
func DecodeBlock(fork string, b []byte) (uint64, [32]byte, error) {
	return 0, [32]byte{}, errors.New("decoding dev-chain blocks needs -tags minimal")
}
