package peermgr

import "fmt"

// GoodbyeReason is the uint64 of a Goodbye request.
//
// 1..3 are defined by consensus-specs phase0 p2p-interface.md ("Goodbye v1");
// the spec leaves codes from 128 up to clients, and the values below are the
// ones clients agree on de facto (128 from Teku; 129, 250, 251, 252 from
// Lighthouse, also used by Prysm).
type GoodbyeReason uint64

const (
	ClientShutdown        GoodbyeReason = 1   // spec: client shut down
	IrrelevantNetwork     GoodbyeReason = 2   // spec: irrelevant network
	FaultError            GoodbyeReason = 3   // spec: fault/error
	UnableToVerifyNetwork GoodbyeReason = 128 // no (valid) Status in time
	TooManyPeers          GoodbyeReason = 129 // peer limit reached
	BadScore              GoodbyeReason = 250 // peer score too low
	Banned                GoodbyeReason = 251 // peer is banned
	BannedIP              GoodbyeReason = 252 // peer's IP address is banned
)

func (r GoodbyeReason) String() string {
	switch r {
	case ClientShutdown:
		return "client shutdown"
	case IrrelevantNetwork:
		return "irrelevant network"
	case FaultError:
		return "fault/error"
	case UnableToVerifyNetwork:
		return "unable to verify network"
	case TooManyPeers:
		return "too many peers"
	case BadScore:
		return "bad score"
	case Banned:
		return "banned"
	case BannedIP:
		return "banned IP"
	}
	return fmt.Sprintf("goodbye(%d)", uint64(r))
}
