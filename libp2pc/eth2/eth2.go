// Package eth2 holds the constants shared by the Ethereum consensus wire
// protocol packages (forkdigest, gossip, reqresp): the payload limits of
// p2p-interface.md and the list of forks from phase0 to Fulu.
package eth2

import "fmt"

const (
	// MaxPayloadSize is MAX_PAYLOAD_SIZE: the largest uncompressed payload of
	// a gossip message or a req/resp chunk (10 MiB).
	MaxPayloadSize uint64 = 10 << 20

	// MessageDomainInvalidSnappy is MESSAGE_DOMAIN_INVALID_SNAPPY.
	MessageDomainInvalidSnappy = "\x00\x00\x00\x00"
	// MessageDomainValidSnappy is MESSAGE_DOMAIN_VALID_SNAPPY.
	MessageDomainValidSnappy = "\x01\x00\x00\x00"

	// MaxErrorMessageLength is the limit of ErrorMessage (List[byte, 256]).
	MaxErrorMessageLength = 256
)

// MaxCompressedLen is max_compressed_len(n) = 32 + n + n/6, the worst-case
// snappy compressed length of an n-byte payload. It saturates instead of
// wrapping for n close to 2**64.
func MaxCompressedLen(n uint64) uint64 {
	extra := 32 + n/6
	if n > ^uint64(0)-extra {
		return ^uint64(0)
	}
	return n + extra
}

// MaxMessageSize is max_message_size(): the limit of an encoded gossipsub
// RPC frame, max(max_compressed_len(MAX_PAYLOAD_SIZE) + 1024, 1 MiB).
func MaxMessageSize() uint64 {
	return max(MaxCompressedLen(MaxPayloadSize)+1024, 1<<20)
}

// Fork names a consensus fork, in activation order.
type Fork int

const (
	Phase0 Fork = iota
	Altair
	Bellatrix
	Capella
	Deneb
	Electra
	Fulu
)

// Forks lists every fork from Phase0 to Fulu in order.
var Forks = []Fork{Phase0, Altair, Bellatrix, Capella, Deneb, Electra, Fulu}

var forkNames = [...]string{"phase0", "altair", "bellatrix", "capella", "deneb", "electra", "fulu"}

func (f Fork) String() string {
	if f >= 0 && int(f) < len(forkNames) {
		return forkNames[f]
	}
	return fmt.Sprintf("fork(%d)", int(f))
}

// ConfigName is the fork's name as spelled in the config keys
// (<NAME>_FORK_VERSION); phase0 is "GENESIS".
func (f Fork) ConfigName() string {
	if f == Phase0 {
		return "GENESIS"
	}
	n := f.String()
	b := []byte(n)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// ForkByConfigName maps a config fork name ("GENESIS", "ALTAIR", ... and the
// pre-release "MERGE") to its Fork.
func ForkByConfigName(name string) (Fork, bool) {
	if name == "MERGE" {
		return Bellatrix, true
	}
	for _, f := range Forks {
		if f.ConfigName() == name {
			return f, true
		}
	}
	return 0, false
}
