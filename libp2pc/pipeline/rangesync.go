package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// RangeSync imports a slot range with BlocksByRange, in batches: a batch
// is requested (trying the peers in turn), its blocks go through the
// pipeline concurrently (the pipeline keeps each chain in order), and the
// next batch is requested when the batch is done.
type RangeSync struct {
	P         *Pipeline
	F         Fetcher
	BatchSize uint64 // default 64
	// Pacer, if set, spaces the requests to each peer within its serving
	// budget (keep one per node: the budget outlives a sync).
	Pacer *Pacer
	// RateLimitWait bounds the total waiting after "rate limited" answers
	// (ErrRateLimited) before the sync gives up (default 3 min); the wait
	// doubles from 2 s up to 30 s between attempts.
	RateLimitWait time.Duration
}

// RangeResult counts the outcome of a range sync.
type RangeResult struct {
	Batches, Blocks            int
	Imported, Invalid, Dropped int
	Duplicates                 int
	PeerFailures               int
	RateLimited                int // answers "rate limited" (asked again after a wait)
}

// Sync imports slots [from, to) from peers.
func (r *RangeSync) Sync(ctx context.Context, peers []string, from, to uint64) (RangeResult, error) {
	var res RangeResult
	batch := r.BatchSize
	if batch == 0 {
		batch = 64
	}
	if len(peers) == 0 {
		return res, fmt.Errorf("rangesync: no peers")
	}
	limitWait := r.RateLimitWait
	if limitWait <= 0 {
		limitWait = 3 * time.Minute
	}
	var waited time.Duration
	backoff := 2 * time.Second
	next := 0
	for start := from; start < to; start += batch {
		count := min(batch, to-start)
		var blocks [][]byte
		var err error
		for attempt := 0; attempt < len(peers); attempt++ {
			peer := peers[next%len(peers)]
			next++
			if err = r.Pacer.Wait(ctx, peer, count); err != nil {
				return res, err
			}
			blocks, err = r.F.BlocksByRange(ctx, peer, start, count)
			if err == nil {
				backoff = 2 * time.Second
				break
			}
			if errors.Is(err, ErrRateLimited) && waited < limitWait {
				// The peer is right to refuse: wait, and ask again.
				res.RateLimited++
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
					return res, ctx.Err()
				}
				waited += backoff
				backoff = min(2*backoff, 30*time.Second)
				attempt--
				continue
			}
			res.PeerFailures++
		}
		if err != nil {
			return res, fmt.Errorf("rangesync: slots %d..%d: %w", start, start+count, err)
		}
		res.Batches++
		res.Blocks += len(blocks)
		// Announce the batch first so that a child waits for its parent in
		// the same batch instead of downloading it.
		for _, ssz := range blocks {
			if b, err := r.P.tr.DecodeBlock(ssz); err == nil {
				r.P.expect(b.Root())
			}
		}
		results := make([]Result, len(blocks))
		var wg sync.WaitGroup
		for i, ssz := range blocks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = r.P.Import(ssz, "")
			}()
		}
		wg.Wait()
		for _, x := range results {
			switch {
			case x.Dup:
				res.Duplicates++
			case x.State == Included:
				res.Imported++
			case x.State == Invalid:
				res.Invalid++
			default:
				res.Dropped++
			}
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	return res, nil
}
