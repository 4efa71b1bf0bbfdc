// The limiter with its counts in memory: x/time/rate per user decides at once, and a flusher
// writes each user's count of the last second to Redis in one pipeline, one SET per user.
package main

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// What the entry of a user keeps in Redis: the count of its last second, for other instances
// and for reporting; 60 s is enough to outlive a quiet user.
const entryTTL = 60 * time.Second

type batched struct {
	rdb   *redis.Client
	limit int

	mu      sync.Mutex
	users   map[string]*rate.Limiter
	pending map[string]int // admitted since the last flush, by user
}

func newBatched(rdb *redis.Client, limit int) *batched {
	return &batched{rdb: rdb, limit: limit, users: map[string]*rate.Limiter{}, pending: map[string]int{}}
}

func (b *batched) allow(_ context.Context, user string) (decision, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	lim, ok := b.users[user]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(b.limit), b.limit)
		b.users[user] = lim
	}
	r := lim.Reserve()
	if delay := r.Delay(); delay > 0 {
		r.Cancel()
		return decision{retryAfter: delay}, nil
	}
	b.pending[user]++
	return decision{allowed: true}, nil
}

// flushEvery writes the pending counts once per interval; counts a failed flush could not write
// stay pending and go with the next one.
func (b *batched) flushEvery(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for range tick.C {
		b.mu.Lock()
		counts := b.pending
		b.pending = map[string]int{}
		b.mu.Unlock()
		if len(counts) == 0 {
			continue
		}
		// Bounded: a flush that hangs on a store that is away would hold back every later one.
		flushCtx, cancel := context.WithTimeout(ctx, interval/2)
		_, err := b.rdb.Pipelined(flushCtx, func(p redis.Pipeliner) error {
			for user, n := range counts {
				p.Set(flushCtx, "count:"+user, n, entryTTL)
			}
			return nil
		})
		cancel()
		if err != nil {
			storeUp.Set(0)
			b.mu.Lock()
			for user, n := range counts {
				b.pending[user] += n
			}
			b.mu.Unlock()
			continue
		}
		storeUp.Set(1)
	}
}
