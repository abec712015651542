package discovery

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

// ENR keys of the consensus-layer entries (consensus-specs p2p-interface.md,
// "ENR structure" of phase0, altair and fulu).
const (
	KeyEth2     = "eth2"     // ENRForkID, 16-byte SSZ (phase0)
	KeyAttnets  = "attnets"  // Bitvector[ATTESTATION_SUBNET_COUNT], 8-byte SSZ (phase0)
	KeySyncnets = "syncnets" // Bitvector[SYNC_COMMITTEE_SUBNET_COUNT], 1-byte SSZ (altair)
	KeyCGC      = "cgc"      // custody group count, big-endian uint without leading zeros (fulu)
	KeyNFD      = "nfd"      // next fork digest, 4 bytes (fulu)
)

// Subnet counts fixed by the spec for the ENR bitfields.
const (
	AttestationSubnetCount   = 64 // ATTESTATION_SUBNET_COUNT
	SyncCommitteeSubnetCount = 4  // SYNC_COMMITTEE_SUBNET_COUNT
)

// Errors for malformed consensus ENR entries (errors.Is).
var (
	ErrBadAttnets  = errors.New("discovery: attnets must be 8 bytes")
	ErrBadSyncnets = errors.New("discovery: syncnets must be 1 byte with bits 4..7 clear")
	ErrBadNFD      = errors.New("discovery: nfd must be 4 bytes")
	ErrBadCGC      = errors.New("discovery: malformed cgc")
	ErrNoPubkey    = errors.New("discovery: record has no secp256k1 key")
	ErrNoEth2      = errors.New("discovery: record has no eth2 entry")
)

// Attnets is the SSZ Bitvector[64] of the `attnets` entry: subnet i is bit
// i%8 of byte i/8 (SSZ bitvectors are little-endian in bit order).
type Attnets [8]byte

// Set sets (on) or clears the bit of subnet i; i >= 64 is ignored.
func (a *Attnets) Set(i uint64, on bool) {
	if i >= AttestationSubnetCount {
		return
	}
	if on {
		a[i/8] |= 1 << (i % 8)
	} else {
		a[i/8] &^= 1 << (i % 8)
	}
}

// Has reports whether subnet i's bit is set.
func (a Attnets) Has(i uint64) bool {
	return i < AttestationSubnetCount && a[i/8]&(1<<(i%8)) != 0
}

// Subnets lists the set subnets in increasing order.
func (a Attnets) Subnets() []uint64 {
	var out []uint64
	for i := uint64(0); i < AttestationSubnetCount; i++ {
		if a.Has(i) {
			out = append(out, i)
		}
	}
	return out
}

// Syncnets is the SSZ Bitvector[4] of the `syncnets` entry: one byte, subnet i
// is bit i, bits 4..7 must be zero.
type Syncnets byte

// Set sets (on) or clears the bit of sync subnet i; i >= 4 is ignored.
func (s *Syncnets) Set(i uint64, on bool) {
	if i >= SyncCommitteeSubnetCount {
		return
	}
	if on {
		*s |= 1 << i
	} else {
		*s &^= 1 << i
	}
}

// Has reports whether sync subnet i's bit is set.
func (s Syncnets) Has(i uint64) bool {
	return i < SyncCommitteeSubnetCount && s&(1<<i) != 0
}

// Typed ENR entries. Each byte-string value is stored as an RLP string (the
// SSZ bytes); cgc as an RLP integer, which is exactly "Uint64 big endian with
// no leading zero bytes, 0 as the empty byte string".
type (
	entryEth2     []byte
	entryAttnets  []byte
	entrySyncnets []byte
	entryNFD      []byte
	entryCGC      uint64
)

func (entryEth2) ENRKey() string     { return KeyEth2 }
func (entryAttnets) ENRKey() string  { return KeyAttnets }
func (entrySyncnets) ENRKey() string { return KeySyncnets }
func (entryNFD) ENRKey() string      { return KeyNFD }
func (entryCGC) ENRKey() string      { return KeyCGC }

// Fields are the consensus-layer entries of a record.
type Fields struct {
	ForkID   forkdigest.ENRForkID
	HasEth2  bool // the record carries a well-formed `eth2`
	Attnets  Attnets
	Syncnets Syncnets
	// CustodyGroupCount is the `cgc` value; HasCGC is false when the record
	// has none (use CustodyRequirement for such peers).
	CustodyGroupCount uint64
	HasCGC            bool
	NextForkDigest    forkdigest.Digest
	HasNFD            bool
}

// ReadFields decodes the consensus entries of r. Absent entries are left at
// their zero value (attnets and syncnets absent mean "no subnets", as the
// spec allows leaving all-zero bitfields out). A present but malformed entry
// is an error; the other fields are still filled in.
func ReadFields(r *enr.Record) (Fields, error) {
	var f Fields
	var errs []error

	var eth2 entryEth2
	if err := r.Load(&eth2); err == nil {
		id, err := forkdigest.UnmarshalENRForkID(eth2)
		if err != nil {
			errs = append(errs, err)
		} else {
			f.ForkID, f.HasEth2 = id, true
		}
	} else if !enr.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("eth2: %w", err))
	}

	var att entryAttnets
	if err := r.Load(&att); err == nil {
		if len(att) != len(f.Attnets) {
			errs = append(errs, fmt.Errorf("%w: got %d", ErrBadAttnets, len(att)))
		} else {
			copy(f.Attnets[:], att)
		}
	} else if !enr.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("%w: %v", ErrBadAttnets, err))
	}

	var syn entrySyncnets
	if err := r.Load(&syn); err == nil {
		if len(syn) != 1 || syn[0]>>SyncCommitteeSubnetCount != 0 {
			errs = append(errs, fmt.Errorf("%w: %x", ErrBadSyncnets, []byte(syn)))
		} else {
			f.Syncnets = Syncnets(syn[0])
		}
	} else if !enr.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("%w: %v", ErrBadSyncnets, err))
	}

	var cgc entryCGC
	if err := r.Load(&cgc); err == nil {
		f.CustodyGroupCount, f.HasCGC = uint64(cgc), true
	} else if !enr.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("%w: %v", ErrBadCGC, err))
	}

	var nfd entryNFD
	if err := r.Load(&nfd); err == nil {
		if len(nfd) != len(f.NextForkDigest) {
			errs = append(errs, fmt.Errorf("%w: got %d", ErrBadNFD, len(nfd)))
		} else {
			copy(f.NextForkDigest[:], nfd)
			f.HasNFD = true
		}
	} else if !enr.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("%w: %v", ErrBadNFD, err))
	}
	return f, errors.Join(errs...)
}

// ParseENR parses a textual record ("enr:-..." base64; an "enode://" URL is
// accepted too but carries no consensus fields) and checks its signature.
func ParseENR(s string) (*enode.Node, error) {
	n, err := enode.Parse(enode.ValidSchemes, s)
	if err != nil {
		return nil, fmt.Errorf("discovery: parse record %.24q: %w", s, err)
	}
	return n, nil
}

// endpoints lists the distinct (ip, port) pairs of a record for the given
// port keys: the IPv4 address with the v4 key, the IPv6 address with the v6
// key (falling back to the v4 key's port when fallback is set, as EIP-778
// does for tcp6/udp6).
func endpoints(n *enode.Node, v4, v6 enr.Entry, port4, port6 *uint16, fallback bool) []netip.AddrPort {
	var out []netip.AddrPort
	var ip4, ip6 netip.Addr
	n.Load((*enr.IPv4Addr)(&ip4))
	n.Load((*enr.IPv6Addr)(&ip6))
	*port4, *port6 = 0, 0
	n.Load(v4)
	n.Load(v6)
	if ip4.IsValid() && !ip4.IsUnspecified() && *port4 != 0 {
		out = append(out, netip.AddrPortFrom(ip4, *port4))
	}
	p6 := *port6
	if p6 == 0 && fallback {
		p6 = *port4
	}
	if ip6.IsValid() && !ip6.IsUnspecified() && p6 != 0 {
		if ip6.Is4In6() {
			ip6 = ip6.Unmap()
		}
		out = append(out, netip.AddrPortFrom(ip6, p6))
	}
	return out
}

// TCPEndpoints are the libp2p TCP endpoints announced by a record (`ip`+`tcp`,
// `ip6`+`tcp6`, tcp6 defaulting to tcp).
func TCPEndpoints(n *enode.Node) []netip.AddrPort {
	var p4, p6 uint16
	return endpoints(n, (*enr.TCP)(&p4), (*enr.TCP6)(&p6), &p4, &p6, true)
}

// QUICEndpoints are the libp2p QUIC endpoints announced by a record
// (`ip`+`quic`, `ip6`+`quic6`).
func QUICEndpoints(n *enode.Node) []netip.AddrPort {
	var p4, p6 uint16
	return endpoints(n, (*enr.QUIC)(&p4), (*enr.QUIC6)(&p6), &p4, &p6, false)
}
