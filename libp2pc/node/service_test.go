package node

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// orderLog records service starts and stops in the order they happen.
type orderLog struct {
	mu  sync.Mutex
	ops []string
}

func (o *orderLog) add(s string) { o.mu.Lock(); o.ops = append(o.ops, s); o.mu.Unlock() }

func (o *orderLog) get() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.ops)
}

// testService logs its Start and Stop; failStart makes Start fail.
type testService struct {
	name      string
	log       *orderLog
	failStart error
	host      ServiceHost
}

func (s *testService) Name() string { return s.name }

func (s *testService) Start(ctx context.Context, h ServiceHost) error {
	if ctx.Err() != nil || h.Context() == nil || h.Host() == nil {
		return errors.New("no running node behind the service host")
	}
	s.log.add("start " + s.name)
	if s.failStart != nil {
		return s.failStart
	}
	s.host = h
	return nil
}

func (s *testService) Stop() { s.log.add("stop " + s.name) }

// TestServicesStartInOrderStopInReverse: services start in the order given
// and stop, when the node stops, in reverse start order (across
// StartServices calls).
func TestServicesStartInOrderStopInReverse(t *testing.T) {
	n, rec := startNode(t, nil)
	log := &orderLog{}
	a, b, c := &testService{name: "a", log: log}, &testService{name: "b", log: log}, &testService{name: "c", log: log}
	req, err := n.StartServices(a, b)
	mustOK(t, rec, req, err, "start a, b")
	req, err = n.StartServices(c)
	mustOK(t, rec, req, err, "start c")
	if s, err := n.ServiceOf("b"); err != nil || s != b {
		t.Fatalf("ServiceOf(b) = %v, %v", s, err)
	}
	if _, err := n.StartServices(&testService{name: "b", log: log}); status.CodeOf(err) != status.BadState || !strings.Contains(err.Error(), "already started") {
		t.Fatalf("a second b: %v, want BadState (already started)", err)
	}
	if _, err := n.ServiceOf("d"); status.CodeOf(err) != status.BadState || !strings.Contains(err.Error(), "d not started") {
		t.Fatalf("ServiceOf(d) = %v, want BadState (not started)", err)
	}
	stopAndWait(t, n, rec)
	want := []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
}

// TestServiceStartFailureStopsTheStartedOnes: when a service's Start fails,
// the ones the same call already started stop (in reverse order), the
// request completes with the failure, none of them remains, and the node
// never stops the failed one.
func TestServiceStartFailureStopsTheStartedOnes(t *testing.T) {
	n, rec := startNode(t, nil)
	log := &orderLog{}
	cause := status.Errorf(status.InvalidArgument, "c refuses")
	req, err := n.StartServices(&testService{name: "a", log: log}, &testService{name: "b", log: log},
		&testService{name: "c", log: log, failStart: cause}, &testService{name: "d", log: log})
	if err != nil {
		t.Fatal(err)
	}
	e := rec.waitFor(t, "start services", doneFor(req))
	if status.Code(e.Status) != status.InvalidArgument || !strings.Contains(e.Text, "c refuses") {
		t.Fatalf("completion %d %q, want InvalidArgument (c refuses)", e.Status, e.Text)
	}
	want := []string{"start a", "start b", "start c", "stop b", "stop a"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
	for _, name := range []string{"a", "b", "c", "d"} {
		if s, _ := n.LookupService(name); s != nil {
			t.Fatalf("%s remains after the failed start", name)
		}
	}
	// The names are free again.
	req, err = n.StartServices(&testService{name: "a", log: log})
	mustOK(t, rec, req, err, "start a again")
	stopAndWait(t, n, rec)
	if got := log.get(); got[len(got)-1] != "stop a" || len(got) != len(want)+2 {
		t.Fatalf("after restart and stop: %q", got)
	}
}

// TestServicePeerHooks: a service's connection hooks see a peer connect
// (with its direction), complete identify, and disconnect.
func TestServicePeerHooks(t *testing.T) {
	a, ra := startNode(t, nil)
	b, rb := startNode(t, nil)
	connected, identified, disconnected := make(chan string, 4), make(chan peer.ID, 4), make(chan peer.ID, 4)
	svc := &hookService{hooks: PeerHooks{
		Connected:    func(p peer.ID, dir string) { connected <- p.String() + " " + dir },
		Identified:   func(p peer.ID) { identified <- p },
		Disconnected: func(p peer.ID) { disconnected <- p },
	}}
	req, err := a.StartServices(svc)
	mustOK(t, ra, req, err, "start hook service")
	connectPair(t, a, ra, b, rb, "tcp")
	wait := func(what string, ch any) any {
		t.Helper()
		c := reflect.ValueOf(ch)
		chosen, v, _ := reflect.Select([]reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: c},
			{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(time.After(20 * time.Second))}})
		if chosen != 0 {
			t.Fatalf("no %s hook", what)
		}
		return v.Interface()
	}
	if got := wait("connected", connected); got != b.ID().String()+" outbound" {
		t.Fatalf("connected hook: %v", got)
	}
	if got := wait("identified", identified); got != b.ID() {
		t.Fatalf("identified hook: %v", got)
	}
	req, err = a.Disconnect(b.ID().String())
	mustOK(t, ra, req, err, "disconnect")
	if got := wait("disconnected", disconnected); got != b.ID() {
		t.Fatalf("disconnected hook: %v", got)
	}
}

// hookService registers its hooks at Start.
type hookService struct{ hooks PeerHooks }

func (s *hookService) Name() string { return "hooks" }

func (s *hookService) Start(_ context.Context, h ServiceHost) error {
	h.OnPeers(s.hooks)
	return nil
}

func (s *hookService) Stop() {}
