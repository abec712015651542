//go:build interop && minimal

package interop

import (
	"fmt"

	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/bellatrix"
	"github.com/libp2pc/libp2pc/libp2pc/consensus/types/phase0"
)

// DecodeBlocksSupported: the minimal-preset types are built in (Lodestar's
// dev chain is minimal), so DecodeBlock works.
const DecodeBlocksSupported = true

// DecodeBlock decodes an SSZ SignedBeaconBlock of fork with libp2pc's
// consensus types and returns the block's slot and root
// (hash_tree_root(message)).
func DecodeBlock(fork string, b []byte) (slot uint64, root [32]byte, err error) {
	switch Fork(fork) {
	case Phase0:
		var s phase0.SignedBeaconBlock
		if err = s.UnmarshalSSZ(b); err == nil {
			slot = s.Message.Slot
			root, err = s.Message.HashTreeRoot()
		}
	case Altair:
		var s altair.SignedBeaconBlock
		if err = s.UnmarshalSSZ(b); err == nil {
			slot = s.Message.Slot
			root, err = s.Message.HashTreeRoot()
		}
	case Bellatrix:
		var s bellatrix.SignedBeaconBlock
		if err = s.UnmarshalSSZ(b); err == nil {
			slot = s.Message.Slot
			root, err = s.Message.HashTreeRoot()
		}
	default:
		err = fmt.Errorf("unsupported fork %q", fork)
	}
	return slot, root, err
}
