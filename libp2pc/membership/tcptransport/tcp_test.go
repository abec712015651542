package tcptransport

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/libp2pc/libp2pc/libp2pc/membership"
)

const limit = 30 * time.Second // watchdog for eventual conditions

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(limit))
	var b [1]byte
	_, err := c.Read(b[:])
	if ne, ok := err.(net.Error); err == nil || ok && ne.Timeout() {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

func TestHelloRoundTrip(t *testing.T) {
	id, err := ReadHello(bytes.NewReader(EncodeHello("node-a")))
	if err != nil || id != "node-a" {
		t.Fatalf("%q %v", id, err)
	}
	for name, b := range map[string][]byte{
		"bad magic":   []byte("XXXX\x01\x01a"),
		"bad version": []byte("LPCM\x02\x01a"),
		"empty id":    []byte("LPCM\x01\x00"),
		"short id":    []byte("LPCM\x01\x05ab"),
		"short":       []byte("LP"),
	} {
		if _, err := ReadHello(bytes.NewReader(b)); !errors.Is(err, membership.ErrBadHello) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestAcceptAndBadHellos: a valid hello reaches accept with the claimed id;
// a malformed or missing hello closes the connection and is counted; and
// connections beyond MaxPendingHellos are closed at once.
func TestAcceptAndBadHellos(t *testing.T) {
	srv, err := New(Config{ID: "srv", HelloTimeout: limit, MaxPendingHellos: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan membership.NodeID, 10)
	if err := srv.Start(func(from membership.NodeID, s membership.Stream) {
		got <- from
		var b [1]byte
		s.Read(b[:]) // hold the stream until closed
	}); err != nil {
		t.Fatal(err)
	}
	cli, err := New(Config{ID: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	s, err := cli.Dial(context.Background(), membership.Member{ID: "srv", Addr: srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	select {
	case id := <-got:
		if id != "cli" {
			t.Errorf("accepted as %q", id)
		}
	case <-time.After(limit):
		t.Fatal("no accept")
	}

	bad, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.Write([]byte("GET / HTTP/1.0\r\n"))
	waitClosed(t, bad)

	// Two silent connections fill the pending slots; a third is refused.
	var silent []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	eventually(t, "pending slots filled", func() bool { return len(srv.pending) == 2 })
	extra, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	waitClosed(t, extra)
	for _, c := range silent {
		c.Close() // EOF before a hello: a bad hello
	}
	eventually(t, "silent connections counted", func() bool { return srv.Stats().BadHellos == 3 })
	if st := srv.Stats(); st.Accepted != 1 || st.PendingRejected != 1 || len(srv.pending) != 0 {
		t.Errorf("stats %+v, pending %d", st, len(srv.pending))
	}
	if err := srv.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := srv.Close(); !errors.Is(err, membership.ErrClosed) {
		t.Errorf("second close: %v", err)
	}
}

func TestCheckMember(t *testing.T) {
	tr, err := New(Config{ID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.CheckMember(membership.Member{ID: "a", Addr: "127.0.0.1:1234"}); err != nil {
		t.Error(err)
	}
	for _, addr := range []string{"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", ":80", "/ip4/1.2.3.4/tcp/1"} {
		if err := tr.CheckMember(membership.Member{ID: "a", Addr: addr}); !errors.Is(err, membership.ErrInvalidMember) {
			t.Errorf("%q: %v", addr, err)
		}
	}
	if _, err := New(Config{}); !errors.Is(err, membership.ErrInvalidConfig) {
		t.Errorf("empty id: %v", err)
	}
}

// TestHelloTimeout: a connection that never sends its hello is closed.
func TestHelloTimeout(t *testing.T) {
	srv, err := New(Config{ID: "srv", HelloTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Start(func(membership.NodeID, membership.Stream) { t.Error("accepted") }); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitClosed(t, c)
	eventually(t, "counted", func() bool { return srv.Stats().BadHellos == 1 })
}
