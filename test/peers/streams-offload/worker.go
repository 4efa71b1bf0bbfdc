// worker.go: the consumer. A reader goroutine fetches new entries for this consumer
// (XREADGROUP), a reclaimer claims entries left unacknowledged past -claim-idle (XAUTOCLAIM: a
// crashed process's, or a failed apply's), and one applier takes them both, applies each at the
// database's pace and acknowledges it (XACK) after the commit: an entry is only ever applied
// again, never lost. A janitor trims what every consumer has acknowledged.
package main

import (
	"context"
	"errors"
	"log"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

var (
	applied = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orders_applied_total",
		Help: "Stream entries applied, by result: applied, or duplicate (the key was applied before).",
	}, []string{"result"})
	applyErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "orders_apply_errors_total",
		Help: "Applies that failed; the entry stays pending and is claimed again after -claim-idle.",
	})
	reclaimed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "stream_reclaimed_entries_total",
		Help: "Entries claimed (XAUTOCLAIM) after sitting unacknowledged past -claim-idle.",
	})
)

type worker struct {
	rdb                     *redis.Client
	db                      *pgxpool.Pool
	stream, group, consumer string
	limiter                 *rate.Limiter
	claimIdle               time.Duration

	dedupe    bool  // apply through the key check (exactly-once), or as delivered
	readCount int64 // entries per XREADGROUP
	prefetch  int   // entries fetched ahead of the applier (0: fetch only when it is ready)
}

// run consumes until ctx is cancelled.
func (w *worker) run(ctx context.Context) {
	entries := make(chan redis.XMessage, w.prefetch)
	var wg sync.WaitGroup
	wg.Go(func() { w.read(ctx, entries) })
	wg.Go(func() { w.reclaim(ctx, entries) })
	wg.Go(func() { w.trim(ctx) })
	w.apply(ctx, entries)
	wg.Wait()
	w.leaveGroup()
}

// leaveGroup deletes this process's consumer from the group if it holds nothing, so the group
// does not collect a consumer per restart. One that still holds entries stays: deleting it would
// drop them from the pending list, unapplied; they are claimed after -claim-idle instead.
func (w *worker) leaveGroup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	held, err := w.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: w.stream, Group: w.group, Consumer: w.consumer, Start: "-", End: "+", Count: 1,
	}).Result()
	if err != nil || len(held) > 0 {
		return
	}
	if err := w.rdb.XGroupDelConsumer(ctx, w.stream, w.group, w.consumer).Err(); err != nil {
		log.Printf("XGROUP DELCONSUMER: %v", err)
	}
}

func (w *worker) read(ctx context.Context, out chan<- redis.XMessage) {
	for ctx.Err() == nil {
		res, err := w.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    w.group,
			Consumer: w.consumer,
			Streams:  []string{w.stream, ">"},
			Count:    w.readCount,
			Block:    time.Second,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue // nothing new within the block
		}
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("XREADGROUP: %v", err)
				sleep(ctx, 500*time.Millisecond)
			}
			continue
		}
		for _, s := range res {
			for _, m := range s.Messages {
				select {
				case out <- m:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// reclaim claims, every half -claim-idle, the entries unacknowledged for longer than it.
func (w *worker) reclaim(ctx context.Context, out chan<- redis.XMessage) {
	tick := time.NewTicker(w.claimIdle / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for start := "0-0"; ; {
			msgs, next, err := w.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream:   w.stream,
				Group:    w.group,
				Consumer: w.consumer,
				MinIdle:  w.claimIdle,
				Start:    start,
				Count:    100,
			}).Result()
			if err != nil {
				if ctx.Err() == nil {
					log.Printf("XAUTOCLAIM: %v", err)
				}
				break
			}
			reclaimed.Add(float64(len(msgs)))
			for _, m := range msgs {
				select {
				case out <- m:
				case <-ctx.Done():
					return
				}
			}
			if next == "0-0" {
				break
			}
			start = next
		}
	}
}

func (w *worker) apply(ctx context.Context, in <-chan redis.XMessage) {
	for {
		var m redis.XMessage
		select {
		case <-ctx.Done():
			return
		case m = <-in:
		}
		// Stopping while waiting for the database's turn: the entry stays pending, for a claim.
		if w.limiter.Wait(ctx) != nil {
			return
		}
		w.handle(m)
	}
}

// handle applies one entry and acknowledges it. Once begun it runs to its end even when the
// service is stopping: finishing takes milliseconds, and a write half done is only redone.
func (w *worker) handle(m redis.XMessage) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key, amount, ok := parseEntry(m.Values)
	if !ok {
		// A malformed entry never applies: acknowledge it, or it is claimed forever.
		log.Printf("entry %s is not a write (%v): dropped", m.ID, m.Values)
	} else {
		apply := applyBlind
		if w.dedupe {
			apply = applyOnce
		}
		fresh, err := apply(ctx, w.db, key, amount)
		if err != nil {
			applyErrors.Inc()
			log.Printf("apply %s (%s): %v", m.ID, key, err)
			return
		}
		if fresh {
			applied.WithLabelValues("applied").Inc()
		} else {
			applied.WithLabelValues("duplicate").Inc()
		}
	}
	if err := w.rdb.XAck(ctx, w.stream, w.group, m.ID).Err(); err != nil {
		// Committed but not acknowledged: it is claimed and delivered again, and the key check absorbs it.
		log.Printf("XACK %s: %v", m.ID, err)
	}
}

// trim drops, every 10 s, the entries before the oldest one still pending or undelivered: the
// acknowledged history. XINFO GROUPS and XPENDING are read in one MULTI, so no entry delivered
// between the two reads is taken for acknowledged.
func (w *worker) trim(ctx context.Context) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var groups *redis.XInfoGroupsCmd
		var pending *redis.XPendingCmd
		_, err := w.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			groups = p.XInfoGroups(ctx, w.stream)
			pending = p.XPending(ctx, w.stream, w.group)
			return nil
		})
		if err != nil {
			log.Printf("trim: %v", err)
			continue
		}
		minID := ""
		for _, g := range groups.Val() {
			if g.Name == w.group {
				minID = g.LastDeliveredID
			}
		}
		if p := pending.Val(); p.Count > 0 {
			minID = p.Lower
		}
		if minID == "" || minID == "0-0" {
			continue
		}
		if err := w.rdb.XTrimMinIDApprox(ctx, w.stream, minID, 0).Err(); err != nil {
			log.Printf("XTRIM: %v", err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
