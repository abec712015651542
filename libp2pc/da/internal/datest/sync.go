package datest

import "github.com/libp2pc/libp2pc/libp2pc/consensus/types/altair"

func newSyncAggregate() *altair.SyncAggregate {
	a := &altair.SyncAggregate{}
	a.SyncCommitteeBits[0] = 0x0f
	a.SyncCommitteeSignature[0] = 0xc0
	return a
}
