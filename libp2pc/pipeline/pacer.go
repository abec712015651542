package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrRateLimited is wrapped by a Fetcher's error when the peer refused a
// request as rate limited: RangeSync then waits and asks again instead of
// giving the sync up.
var ErrRateLimited = errors.New("rate limited by the peer")

// Pacer spaces the block requests sent to each peer so that they stay
// within the peer's serving budget: a token bucket per peer of Burst
// blocks refilled at Rate blocks per Period. Servers refuse (and penalize)
// a peer that asks faster; the defaults are the strictest budget among the
// clients, Prysm's (64 blocks per 30 s, burst 128), which libp2pc's own
// req/resp layer applies too. The per-peer state is bounded (MaxPeers,
// least recently used forgotten).
type Pacer struct {
	Rate, Burst float64
	Period      time.Duration
	MaxPeers    int
	now         func() time.Time

	mu    sync.Mutex
	level map[string]pacerLevel
}

type pacerLevel struct {
	used float64 // blocks in the bucket
	at   time.Time
}

// NewPacer returns a Pacer with Prysm's blocks budget.
func NewPacer() *Pacer {
	return &Pacer{Rate: 64, Burst: 128, Period: 30 * time.Second, MaxPeers: 1024}
}

// Wait blocks until blocks more blocks may be asked of peer (a request
// larger than Burst waits for a full bucket), then records them.
func (pc *Pacer) Wait(ctx context.Context, peer string, blocks uint64) error {
	if pc == nil || pc.Rate <= 0 || pc.Period <= 0 {
		return nil
	}
	for {
		d := pc.reserve(peer, float64(blocks))
		if d <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

// reserve records cost for peer when the bucket has room and returns 0;
// else it returns how long until it has.
func (pc *Pacer) reserve(peer string, cost float64) time.Duration {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := time.Now()
	if pc.now != nil {
		now = pc.now()
	}
	if pc.level == nil {
		pc.level = map[string]pacerLevel{}
	}
	cost = min(cost, pc.Burst)
	l := pc.level[peer]
	used := max(0, l.used-pc.Rate*float64(now.Sub(l.at))/float64(pc.Period))
	if used+cost <= pc.Burst {
		if _, known := pc.level[peer]; !known && pc.MaxPeers > 0 && len(pc.level) >= pc.MaxPeers {
			pc.forgetOldest()
		}
		pc.level[peer] = pacerLevel{used: used + cost, at: now}
		return 0
	}
	excess := used + cost - pc.Burst
	return time.Duration(excess/pc.Rate*float64(pc.Period)) + time.Millisecond
}

func (pc *Pacer) forgetOldest() {
	var oldest string
	var at time.Time
	for p, l := range pc.level {
		if oldest == "" || l.at.Before(at) {
			oldest, at = p, l.at
		}
	}
	delete(pc.level, oldest)
}
