package discovery

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net/netip"

	gcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// ECDSAKey converts a libp2p secp256k1 private key (the node's libp2p
// identity) into the *ecdsa.PrivateKey that discv5 signs records with, so the
// ENR's `secp256k1` entry and the libp2p peer id name the same key.
func ECDSAKey(k crypto.PrivKey) (*ecdsa.PrivateKey, error) {
	sk, ok := k.(*crypto.Secp256k1PrivateKey)
	if !ok {
		return nil, fmt.Errorf("discovery: identity key is %T, need secp256k1", k)
	}
	raw, err := sk.Raw()
	if err != nil {
		return nil, err
	}
	return gcrypto.ToECDSA(raw)
}

// Libp2pKey is the reverse of ECDSAKey.
func Libp2pKey(k *ecdsa.PrivateKey) (crypto.PrivKey, error) {
	if k == nil {
		return nil, errors.New("discovery: nil key")
	}
	return crypto.UnmarshalSecp256k1PrivateKey(gcrypto.FromECDSA(k))
}

// PeerID is the libp2p peer id of a record's secp256k1 key.
func PeerID(n *enode.Node) (peer.ID, error) {
	pub := n.Pubkey()
	if pub == nil {
		return "", ErrNoPubkey
	}
	lk, err := crypto.UnmarshalSecp256k1PublicKey(gcrypto.CompressPubkey(pub))
	if err != nil {
		return "", err
	}
	return peer.IDFromPublicKey(lk)
}

// Multiaddrs lists the libp2p addresses a record announces:
// /ip4|ip6/<ip>/tcp/<tcp> and /ip4|ip6/<ip>/udp/<quic>/quic-v1.
func Multiaddrs(n *enode.Node) []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, ep := range TCPEndpoints(n) {
		if a, err := ma.NewMultiaddr(fmt.Sprintf("/%s/%s/tcp/%d", ipProto(ep.Addr()), ep.Addr(), ep.Port())); err == nil {
			out = append(out, a)
		}
	}
	for _, ep := range QUICEndpoints(n) {
		if a, err := ma.NewMultiaddr(fmt.Sprintf("/%s/%s/udp/%d/quic-v1", ipProto(ep.Addr()), ep.Addr(), ep.Port())); err == nil {
			out = append(out, a)
		}
	}
	return out
}

func ipProto(a netip.Addr) string {
	if a.Is4() {
		return "ip4"
	}
	return "ip6"
}

// AddrInfo converts a record into the libp2p peer id and addresses to dial.
// A record with no TCP or QUIC endpoint gives an AddrInfo without addresses.
func AddrInfo(n *enode.Node) (peer.AddrInfo, error) {
	id, err := PeerID(n)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	return peer.AddrInfo{ID: id, Addrs: Multiaddrs(n)}, nil
}

// Peer is a discovered node: its record, the libp2p view of it and its
// consensus fields.
type Peer struct {
	Node     *enode.Node
	AddrInfo peer.AddrInfo
	Fields   Fields
}

// ENR is the record in text form ("enr:-...").
func (p Peer) ENR() string { return p.Node.String() }

// NewPeer converts a record. Records without a secp256k1 key or with a
// malformed consensus entry are errors.
func NewPeer(n *enode.Node) (Peer, error) {
	ai, err := AddrInfo(n)
	if err != nil {
		return Peer{}, err
	}
	f, err := ReadFields(n.Record())
	if err != nil {
		return Peer{}, err
	}
	return Peer{Node: n, AddrInfo: ai, Fields: f}, nil
}
