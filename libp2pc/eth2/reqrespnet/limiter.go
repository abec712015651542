package reqrespnet

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/libp2pc/libp2pc/libp2pc/eth2/reqresp"
)

// Bucket is one leaky-bucket limit: it holds at most Capacity units and
// leaks Rate units every Period. A request of cost c is admitted while the
// bucket has room for c (c is clamped to Capacity, so a maximal request is
// admitted by an empty bucket), and then adds c.
type Bucket struct {
	Rate     float64
	Capacity float64
	Period   time.Duration
}

func (b Bucket) valid() bool { return b.Rate > 0 && b.Capacity > 0 && b.Period > 0 }

// RateLimits are the per-peer limits on incoming requests. Buckets are kept
// per peer and per group: protocols of one group share a bucket.
type RateLimits struct {
	// Global applies to every incoming stream of a peer (cost 1 each),
	// before its request is read.
	Global Bucket
	// ByGroup maps a group name (see GroupOf) to its bucket. A group
	// without an entry is not limited.
	ByGroup map[string]Bucket
}

// DefaultRateLimits are Prysm's defaults (beacon-chain/sync/rate_limiter.go
// with the default flag values of cmd/beacon-chain/flags): status, ping and
// metadata 1/s with a burst of 5; goodbye 1/s, burst 1; blocks
// (--block-batch-limit 64, burst factor 2) 64 per 30 s, burst 128; blob
// sidecars (384, factor 3) 384 per 30 s, burst 1152; data column sidecars
// (4096, factor 4) 4096 per 30 s, burst 16384; and every stream of a peer
// 10/s, burst 20.
func DefaultRateLimits() RateLimits {
	sec, blk := time.Second, 30*time.Second
	small := Bucket{Rate: 1, Capacity: 5, Period: sec}
	return RateLimits{
		Global: Bucket{Rate: 10, Capacity: 20, Period: sec},
		ByGroup: map[string]Bucket{
			"status":        small,
			"ping":          small,
			"metadata":      small,
			"goodbye":       {Rate: 1, Capacity: 1, Period: sec},
			"blocks":        {Rate: 64, Capacity: 128, Period: blk},
			"blob_sidecars": {Rate: 384, Capacity: 1152, Period: blk},
			"data_columns":  {Rate: 4096, Capacity: 16384, Period: blk},
		},
	}
}

// GroupOf names the rate-limit group of a protocol: blocks by range and by
// root share "blocks", blob sidecars share "blob_sidecars", data column
// sidecars share "data_columns"; every other method is its own group.
func GroupOf(p reqresp.Protocol) string {
	switch p.Name {
	case reqresp.BeaconBlocksByRangeMethod, reqresp.BeaconBlocksByRootMethod:
		return "blocks"
	case reqresp.BlobSidecarsByRangeMethod, reqresp.BlobSidecarsByRootMethod:
		return "blob_sidecars"
	case reqresp.DataColumnSidecarsByRangeMethod, reqresp.DataColumnSidecarsByRootMethod:
		return "data_columns"
	}
	return p.Name
}

type bucketKey struct {
	p     peer.ID
	group string
}

// level is a bucket's fill: amount at time at.
type level struct {
	amount float64
	at     time.Time
}

// limiter holds the bucket levels. Empty buckets are forgotten, so its
// size is bounded by the peers that sent requests within the last
// Capacity/Rate periods.
type limiter struct {
	mu     sync.Mutex
	cfg    RateLimits
	levels map[bucketKey]level
	now    func() time.Time
	sweep  time.Time
}

func newLimiter(cfg RateLimits) *limiter {
	return &limiter{cfg: cfg, levels: map[bucketKey]level{}, now: time.Now}
}

func leaked(b Bucket, l level, now time.Time) float64 {
	a := l.amount - b.Rate*float64(now.Sub(l.at))/float64(b.Period)
	if a < 0 {
		return 0
	}
	return a
}

// allow admits cost units for p in group (a group without a bucket always
// admits) and records them.
func (lm *limiter) allow(p peer.ID, group string, cost uint64) bool {
	var b Bucket
	if group == "" {
		b = lm.cfg.Global
	} else {
		b = lm.cfg.ByGroup[group]
	}
	if !b.valid() {
		return true
	}
	c := min(float64(cost), b.Capacity)
	lm.mu.Lock()
	defer lm.mu.Unlock()
	now := lm.now()
	lm.maybeSweepLocked(now)
	k := bucketKey{p, group}
	cur := leaked(b, lm.levels[k], now)
	if cur+c > b.Capacity {
		lm.levels[k] = level{cur, now}
		return false
	}
	lm.levels[k] = level{cur + c, now}
	return true
}

// maybeSweepLocked forgets empty buckets, at most once a second.
func (lm *limiter) maybeSweepLocked(now time.Time) {
	if now.Sub(lm.sweep) < time.Second {
		return
	}
	lm.sweep = now
	for k, l := range lm.levels {
		b := lm.cfg.Global
		if k.group != "" {
			b = lm.cfg.ByGroup[k.group]
		}
		if leaked(b, l, now) == 0 {
			delete(lm.levels, k)
		}
	}
}

func (lm *limiter) size() int {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	return len(lm.levels)
}
