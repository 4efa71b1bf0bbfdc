// streams-offload: an order-intake API that takes bursts of writes far above what its database
// sustains, a peer for the queue-offload scenario. POST /v1/orders appends the write to a Redis
// Stream and answers 202 at once; a worker in the same process reads the stream as a member of a
// consumer group and applies the writes to PostgreSQL at -apply-rate a second, the database's
// pace, acknowledging each entry only once its write is committed.
//
//	-mode exactly-once   the worker fetches a few entries at a time and applies each in one
//	                     transaction that also records its Idempotency-Key (unique): a write
//	                     delivered again (a claimed entry, a client's retry) takes no effect again
//	-mode at-least-once  tuned for throughput: a reader prefetches the stream into a deep buffer
//	                     and the apply skips the key lookup, trusting the stream to deliver once.
//	                     Entries wait in the buffer longer than -claim-idle, look abandoned, and
//	                     are claimed and applied again; a client's retry is applied twice
//
// GET /internal/ledger?prefix= answers, for the keys starting with the prefix, the writes
// applied, the effects they had and the writes still queued.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

var requests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "http_requests_total",
	Help: "Requests answered, by handler, code and method.",
}, []string{"handler", "code", "method"})

func main() {
	addr := flag.String("addr", "127.0.0.1:8095", "listen address (loopback)")
	mode := flag.String("mode", "exactly-once", "exactly-once or at-least-once")
	databaseURL := flag.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres",
		"PostgreSQL, pgx URL syntax; search_path=<schema> picks the schema")
	redisURL := flag.String("redis-url", "redis://127.0.0.1:6379/0", "Redis, where the stream lives")
	stream := flag.String("stream", "orders:intake", "the stream's key")
	group := flag.String("group", "order-appliers", "the consumer group that applies the writes")
	applyRate := flag.Float64("apply-rate", 100, "writes a second the database takes")
	claimIdle := flag.Duration("claim-idle", 2*time.Second,
		"an entry unacknowledged this long is taken as abandoned by its consumer and claimed")
	flag.Parse()

	w := &worker{stream: *stream, group: *group, claimIdle: *claimIdle}
	switch *mode {
	case "exactly-once":
		w.dedupe, w.readCount, w.prefetch = true, 10, 0
	case "at-least-once":
		w.dedupe, w.readCount, w.prefetch = false, 100, 1000
	default:
		log.Fatalf("unknown -mode %q: exactly-once or at-least-once", *mode)
	}
	if *applyRate <= 0 || *claimIdle <= 0 {
		log.Fatal("-apply-rate and -claim-idle must be positive")
	}
	// Burst 1: the database takes its writes one after another, never several at once.
	w.limiter = rate.NewLimiter(rate.Limit(*applyRate), 1)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	db, err := openDB(ctx, *databaseURL)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	rdb, err := openRedis(ctx, *redisURL, *stream, *group)
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()
	w.db, w.rdb = db, rdb
	// One consumer per process: a restarted process is a new consumer, and what the old one held
	// unacknowledged is claimed once it has been idle for -claim-idle.
	host, _ := os.Hostname()
	w.consumer = fmt.Sprintf("%s-%d", host, os.Getpid())

	prometheus.MustRegister(requests, applied, applyErrors, reclaimed, streamCollector{rdb: rdb, stream: *stream, group: *group})
	api := &api{db: db, rdb: rdb, stream: *stream}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	route(mux, "POST /v1/orders", "/v1/orders", api.accept)
	route(mux, "GET /v1/orders/{key}", "/v1/orders/:key", api.status)
	route(mux, "GET /internal/ledger", "/internal/ledger", api.ledger)

	workCtx, stopWork := context.WithCancel(context.Background())
	var working sync.WaitGroup
	working.Go(func() { w.run(workCtx) })

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ListenAndServe() }()
	log.Printf("streams-offload (%s) listening on http://%s: stream %s, group %s, consumer %s, %g writes/s",
		*mode, *addr, *stream, *group, w.consumer, *applyRate)

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
		}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	log.Print("HTTP server closed; stopping the worker")
	// The worker finishes the write in hand; what it has not started stays pending in the
	// stream for the next process to claim.
	stopWork()
	done := make(chan struct{})
	go func() { working.Wait(); close(done) }()
	select {
	case <-done:
		log.Print("stopped")
	case <-time.After(5 * time.Second):
		log.Print("worker did not stop in 5 s")
	}
}

// route serves a handler counted in http_requests_total with its handler label curried in.
func route(mux *http.ServeMux, pattern, handler string, h http.HandlerFunc) {
	mux.Handle(pattern, promhttp.InstrumentHandlerCounter(requests.MustCurryWith(prometheus.Labels{"handler": handler}), h))
}

func openDB(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("-database-url: %w", err)
	}
	// The worker uses one connection at a time; the rest serve the ledger, status reads and trims.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 4
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "streams-offload"
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := createTables(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot create the tables (does the schema in search_path exist?): %w", err)
	}
	return db, nil
}

func openRedis(ctx context.Context, url, stream, group string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("-redis-url: %w", err)
	}
	rdb := redis.NewClient(opt)
	// "$": the group starts at the stream's end when first created; it is created before the
	// API accepts anything, and from then on remembers where it is.
	err = rdb.XGroupCreateMkStream(ctx, stream, group, "$").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		rdb.Close()
		return nil, fmt.Errorf("cannot create the consumer group %s on %s: %w", group, stream, err)
	}
	return rdb, nil
}
