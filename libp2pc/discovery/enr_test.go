package discovery

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net"
	"slices"
	"testing"

	gcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/ethereum/go-ethereum/rlp"
	lcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2pc/libp2pc/libp2pc/eth2/forkdigest"
)

func rawEntry(t *testing.T, r *enr.Record, key string) []byte {
	t.Helper()
	var raw rlp.RawValue
	if err := r.Load(enr.WithEntry(key, &raw)); err != nil {
		t.Fatalf("load %s: %v", key, err)
	}
	return raw
}

func signed(t *testing.T, entries ...enr.Entry) *enode.Node {
	t.Helper()
	key, _ := gcrypto.GenerateKey()
	var r enr.Record
	for _, e := range entries {
		r.Set(e)
	}
	if err := enode.SignV4(&r, key); err != nil {
		t.Fatal(err)
	}
	n, err := enode.New(enode.ValidSchemes, &r)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBitfields(t *testing.T) {
	var a Attnets
	a.Set(0, true)
	a.Set(9, true)
	a.Set(63, true)
	a.Set(64, true) // ignored
	if a != (Attnets{0x01, 0x02, 0, 0, 0, 0, 0, 0x80}) {
		t.Fatalf("attnets bytes %x", a)
	}
	if !slices.Equal(a.Subnets(), []uint64{0, 9, 63}) || a.Has(1) || a.Has(64) {
		t.Fatal("attnets Has/Subnets")
	}
	a.Set(9, false)
	if a.Has(9) {
		t.Fatal("clear")
	}
	var s Syncnets
	s.Set(2, true)
	s.Set(4, true) // ignored
	if s != 0x04 || !s.Has(2) || s.Has(0) {
		t.Fatalf("syncnets %x", byte(s))
	}
}

// Exact value bytes of each entry as they sit in the record (RLP items):
// eth2/attnets/nfd are RLP strings of their SSZ bytes; syncnets a single byte
// (RLP encodes one byte below 0x80 as itself); cgc an RLP integer: big-endian,
// no leading zeros, 0 as the empty string (0x80).
func TestEntryEncoding(t *testing.T) {
	id := forkdigest.ENRForkID{ForkDigest: forkdigest.Digest{0xde, 0xad, 0xbe, 0xef}, NextForkVersion: [4]byte{6, 0, 0, 0}, NextForkEpoch: 0x0102}
	var att Attnets
	att.Set(1, true)
	cases := []struct {
		cgc  uint64
		want []byte
	}{{0, []byte{0x80}}, {4, []byte{0x04}}, {127, []byte{0x7f}}, {128, []byte{0x81, 0x80}}, {0x0102, []byte{0x82, 0x01, 0x02}}}
	for _, c := range cases {
		n := signed(t, entryEth2(id.MarshalSSZ()), entryAttnets(att[:]), entrySyncnets([]byte{0x09}), entryCGC(c.cgc), entryNFD([]byte{1, 2, 3, 4}))
		r := n.Record()
		if got := rawEntry(t, r, KeyCGC); !bytes.Equal(got, c.want) {
			t.Errorf("cgc %d: %x, want %x", c.cgc, got, c.want)
		}
		f, err := ReadFields(r)
		if err != nil {
			t.Fatal(err)
		}
		if !f.HasCGC || f.CustodyGroupCount != c.cgc || f.ForkID != id || !f.HasEth2 || f.Attnets != att || f.Syncnets != 0x09 || !f.HasNFD || f.NextForkDigest != (forkdigest.Digest{1, 2, 3, 4}) {
			t.Fatalf("fields %+v", f)
		}
		if c.cgc == 0 {
			want := append([]byte{0x90}, 0xde, 0xad, 0xbe, 0xef, 6, 0, 0, 0, 0x02, 0x01, 0, 0, 0, 0, 0, 0)
			if got := rawEntry(t, r, KeyEth2); !bytes.Equal(got, want) {
				t.Errorf("eth2 %x want %x", got, want)
			}
			if got := rawEntry(t, r, KeyAttnets); !bytes.Equal(got, []byte{0x88, 0x02, 0, 0, 0, 0, 0, 0, 0}) {
				t.Errorf("attnets %x", got)
			}
			if got := rawEntry(t, r, KeySyncnets); !bytes.Equal(got, []byte{0x09}) {
				t.Errorf("syncnets %x", got)
			}
			if got := rawEntry(t, r, KeyNFD); !bytes.Equal(got, []byte{0x84, 1, 2, 3, 4}) {
				t.Errorf("nfd %x", got)
			}
		}
	}
}

func TestReadFieldsMalformed(t *testing.T) {
	// Absent entries: zero values, no error.
	f, err := ReadFields(signed(t).Record())
	if err != nil || f.HasEth2 || f.HasCGC || f.HasNFD {
		t.Fatalf("empty record: %+v %v", f, err)
	}
	cases := []struct {
		name string
		e    enr.Entry
		want error
	}{
		{"attnets short", entryAttnets(make([]byte, 7)), ErrBadAttnets},
		{"syncnets high bit", entrySyncnets([]byte{0x10}), ErrBadSyncnets},
		{"syncnets 2 bytes", entrySyncnets([]byte{1, 0}), ErrBadSyncnets},
		{"nfd 3 bytes", entryNFD([]byte{1, 2, 3}), ErrBadNFD},
		{"cgc leading zero", enr.WithEntry(KeyCGC, rlp.RawValue{0x82, 0x00, 0x04}), ErrBadCGC},
		{"cgc 9 bytes", enr.WithEntry(KeyCGC, rlp.RawValue{0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0}), ErrBadCGC},
		{"eth2 15 bytes", entryEth2(make([]byte, 15)), forkdigest.ErrBadENRForkID},
	}
	for _, c := range cases {
		// c.e is set last, replacing the valid entry of the same key.
		n := signed(t, entryAttnets([]byte{0xff, 0, 0, 0, 0, 0, 0, 0}), entrySyncnets([]byte{0x01}), c.e)
		f, err := ReadFields(n.Record())
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if (c.e.ENRKey() != KeyAttnets && !f.Attnets.Has(0)) || (c.e.ENRKey() != KeySyncnets && !f.Syncnets.Has(0)) {
			t.Errorf("%s: other fields not read", c.name)
		}
		if _, err := NewPeer(n); err == nil {
			t.Errorf("%s: NewPeer accepted", c.name)
		}
	}
}

func TestAddrInfo(t *testing.T) {
	lk, _, err := lcrypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ECDSAKey(lk)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Libp2pKey(key)
	if err != nil || !back.Equals(lk) {
		t.Fatal("key round trip")
	}
	var r enr.Record
	r.Set(enr.IPv4(net.IPv4(10, 1, 2, 3)))
	r.Set(enr.TCP(9000))
	r.Set(enr.QUIC(9001))
	r.Set(enr.UDP(9002))
	r.Set(enr.IPv6(net.ParseIP("2001:db8::1")))
	r.Set(enr.QUIC6(9101))
	if err := enode.SignV4(&r, key); err != nil {
		t.Fatal(err)
	}
	n, err := enode.New(enode.ValidSchemes, &r)
	if err != nil {
		t.Fatal(err)
	}
	// Through the text form, as a bootnode string would arrive.
	n, err = ParseENR(n.String())
	if err != nil {
		t.Fatal(err)
	}
	ai, err := AddrInfo(n)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := peer.IDFromPrivateKey(lk)
	if ai.ID != want {
		t.Fatalf("peer id %s, want %s", ai.ID, want)
	}
	var got []string
	for _, a := range ai.Addrs {
		got = append(got, a.String())
	}
	exp := []string{
		"/ip4/10.1.2.3/tcp/9000",
		"/ip6/2001:db8::1/tcp/9000", // tcp6 absent: tcp applies (EIP-778)
		"/ip4/10.1.2.3/udp/9001/quic-v1",
		"/ip6/2001:db8::1/udp/9101/quic-v1",
	}
	if !slices.Equal(got, exp) {
		t.Fatalf("addrs %v, want %v", got, exp)
	}
	if _, err := ECDSAKey(mustEd25519(t)); err == nil {
		t.Fatal("ed25519 identity accepted")
	}
	if _, err := ParseENR("enr:-garbage"); err == nil {
		t.Fatal("garbage record accepted")
	}
}

func mustEd25519(t *testing.T) lcrypto.PrivKey {
	k, _, err := lcrypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
