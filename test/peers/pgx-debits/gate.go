// gate.go: how a request gets a connection from the pool. pgxpool.Acquire blocks until a
// connection frees or its context ends, and keeps no count of who is waiting; the gate counts
// them, and in bounded mode caps them and their wait.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

var exhausted = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "db_pool_exhausted_total",
	Help: "Debits refused for want of a connection, by reason (queue_full, acquire_timeout).",
}, []string{"reason"})

// exhaustedError says why no connection was had: the caller was refused, nothing was applied.
type exhaustedError struct{ detail string }

func (e *exhaustedError) Error() string { return e.detail }

type gate struct {
	pool    *pgxpool.Pool
	bounded bool
	timeout time.Duration
	// slots holds one token per caller allowed to wait (bounded mode).
	slots   chan struct{}
	waiting atomic.Int64
}

func newGate(pool *pgxpool.Pool, bounded bool, timeout time.Duration, maxWaiting int) *gate {
	return &gate{pool: pool, bounded: bounded, timeout: timeout, slots: make(chan struct{}, maxWaiting)}
}

// Waiting is how many callers are inside Acquire now.
func (g *gate) Waiting() int64 { return g.waiting.Load() }

// acquire returns a pooled connection, or an *exhaustedError when the bounded gate refuses.
// Unbounded, it waits as long as ctx (the request's) lives.
func (g *gate) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	if g.bounded {
		select {
		case g.slots <- struct{}{}:
			defer func() { <-g.slots }()
		default:
			// Queueing longer would only make the client wait for a refusal.
			exhausted.WithLabelValues("queue_full").Inc()
			return nil, &exhaustedError{fmt.Sprintf("%d requests already waiting for one of %d connections",
				g.Waiting(), g.pool.Config().MaxConns)}
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.timeout)
		defer cancel()
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	conn, err := g.pool.Acquire(ctx)
	if err != nil && g.bounded && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		exhausted.WithLabelValues("acquire_timeout").Inc()
		return nil, &exhaustedError{fmt.Sprintf("no connection within %s (all %d busy)", g.timeout, g.pool.Config().MaxConns)}
	}
	return conn, err
}
