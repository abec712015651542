package p2ptransport

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

func newID(t *testing.T) peer.ID {
	_, pub, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCheckMember(t *testing.T) {
	a, b := newID(t), newID(t)
	tr := &Transport{}
	ok := []membership.Member{
		{ID: membership.NodeID(a.String()), Addr: "/ip4/127.0.0.1/tcp/4001"},
		{ID: membership.NodeID(a.String()), Addr: "/ip4/127.0.0.1/tcp/4001/p2p/" + a.String()},
		{ID: membership.NodeID(a.String()), Addr: ""},
	}
	for _, m := range ok {
		if err := tr.CheckMember(m); err != nil {
			t.Errorf("%+v: %v", m, err)
		}
	}
	bad := []membership.Member{
		{ID: "node-1", Addr: "/ip4/127.0.0.1/tcp/4001"},
		{ID: membership.NodeID(a.String()), Addr: "127.0.0.1:4001"},
		{ID: membership.NodeID(a.String()), Addr: "/ip4/127.0.0.1/tcp/4001/p2p/" + b.String()},
		{ID: membership.NodeID(a.String()), Addr: "/p2p/" + a.String()},
	}
	for _, m := range bad {
		if err := tr.CheckMember(m); !errors.Is(err, membership.ErrInvalidMember) {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if _, err := New(nil, ""); !errors.Is(err, membership.ErrInvalidConfig) {
		t.Errorf("nil host: %v", err)
	}
}
