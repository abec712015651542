package node

import (
	"sync"
	"sync/atomic"

	pubsub "github.com/libp2p/go-libp2p-pubsub"

	"github.com/libp2pc/libp2pc/libp2pc/status"
)

// Publishing. Each joined topic has one publish worker (publisher), so
// publishes on a topic leave in the order the host made them. The caller's
// thread hands its job straight to the worker: the loop is not involved
// (the topic's worker is found in Node.publishers, which the loop fills when
// the topic is joined and empties when it starts leaving), and the worker
// pushes the completion itself, before it releases the job's op, so that a
// completion still precedes Stopped (finish runs after every op is done).
//
// Two kinds of job share the worker's channel:
//   - requests (Publish, Eth2Publish): each holds a control-queue
//     reservation for its RequestDone, so there are never more of them than
//     the control queue's capacity;
//   - fire-and-forget jobs (Eth2PublishNoWait): no completion; at most
//     noWaitCap of them wait at a time (beyond that the call returns
//     QueueFull, counted), failures are counted.
//
// The channel holds both bounds, so a send never blocks.

// publishJob is one message for a topic's publish worker.
type publishJob struct {
	req    uint64 // 0: fire-and-forget, no completion
	data   []byte
	encode func([]byte) []byte // nil: data is the payload
}

type publisher struct {
	topic string
	t     *pubsub.Topic
	// mu orders sends against close: senders hold it shared, close
	// exclusively, so nothing is sent on a closed channel.
	mu        sync.RWMutex
	closed    bool
	jobs      chan publishJob
	noWait    atomic.Int64 // fire-and-forget jobs queued
	noWaitCap int64
	done      chan struct{} // closed when the worker has exited
}

// startPublisher starts topic's publish worker and makes it reachable from
// host calls.
func (n *Node) startPublisher(topic string, t *pubsub.Topic) *publisher {
	capControl := n.cfg.Queue.Control
	p := &publisher{topic: topic, t: t, noWaitCap: int64(capControl),
		jobs: make(chan publishJob, 2*capControl), done: make(chan struct{})}
	go p.run(n)
	n.publishers.Store(topic, p)
	return p
}

// close stops accepting jobs; the worker publishes those queued and exits.
func (p *publisher) close(n *Node) {
	n.publishers.CompareAndDelete(p.topic, p)
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
}

func (p *publisher) run(n *Node) {
	defer close(p.done)
	for job := range p.jobs {
		data := job.data
		if job.encode != nil {
			data = job.encode(data)
		}
		err := p.t.Publish(n.opsCtx, data)
		if err != nil {
			if n.opsCtx.Err() != nil {
				err = status.Errorf(status.Stopped, "publish on %q: node stopping", p.topic)
			} else {
				err = status.Errorf(status.Network, "publish on %q: %v", p.topic, err)
			}
		} else {
			n.counters.published.Add(1)
		}
		if job.req != 0 {
			n.completeRequest(job.req, err)
		} else {
			p.noWait.Add(-1)
			if err != nil {
				n.counters.publishFailed.Add(1)
			}
		}
		n.ops.Done()
	}
}

// publishDirect hands a publish to topic's worker from the caller's thread.
// With noWait, no completion is reserved and a full worker queue refuses the
// call (QueueFull, counted as PublishNoWaitDropped); otherwise the call's
// RequestDone is reserved and comes from the worker (or at once, NotFound,
// when the node is not in the topic). Under opsMu like every request (see
// request): accepted only while running, and then its op is counted before
// stopping can begin.
func (n *Node) publishDirect(what, topic string, data []byte, encode func([]byte) []byte, noWait bool) (uint64, error) {
	n.opsMu.Lock()
	defer n.opsMu.Unlock()
	if n.destroyed.Load() {
		return 0, status.Errorf(status.BadHandle, "node destroyed")
	}
	if s := n.State(); s != StateRunning {
		return 0, status.Errorf(status.BadState, "%s: node is %s, not running", what, s)
	}
	v, _ := n.publishers.Load(topic)
	p, _ := v.(*publisher)
	if noWait {
		if p == nil {
			return 0, status.Errorf(status.NotFound, "%s: not subscribed to %q", what, topic)
		}
		if p.noWait.Add(1) > p.noWaitCap {
			p.noWait.Add(-1)
			n.counters.publishDropped.Add(1)
			return 0, status.Errorf(status.QueueFull, "%s: %d publishes already queued on %q; retry later", what, p.noWaitCap, topic)
		}
		if !p.send(n, publishJob{data: data, encode: encode}) {
			p.noWait.Add(-1)
			return 0, status.Errorf(status.NotFound, "%s: not subscribed to %q", what, topic)
		}
		return 0, nil
	}
	if !n.queue.Reserve(1) {
		n.counters.busy.Add(1)
		return 0, status.Errorf(status.QueueFull, "%s: event queue full; drain events and retry", what)
	}
	req := n.nextReqID.Add(1)
	if p == nil || !p.send(n, publishJob{req: req, data: data, encode: encode}) {
		n.completeRequest(req, status.Errorf(status.NotFound, "publish: not subscribed to %q", topic))
	}
	return req, nil
}

// send queues job unless the worker is closed; it counts the job's op.
// Never blocks: see the bounds above.
func (p *publisher) send(n *Node, job publishJob) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	n.ops.Add(1)
	p.jobs <- job
	return true
}

// Publish sends data on a subscribed topic. data is copied before Publish
// returns. Publishes leave in the order they were made (one worker per
// topic). Completes with NotFound if the node is not subscribed.
func (n *Node) Publish(topic string, data []byte) (uint64, error) {
	if len(data) > n.cfg.MaxMessageSize {
		return 0, status.Errorf(status.TooLarge, "publish: %d bytes exceed the %d-byte limit", len(data), n.cfg.MaxMessageSize)
	}
	owned := append([]byte(nil), data...)
	return n.publishDirect("publish", topic, owned, nil, false)
}
