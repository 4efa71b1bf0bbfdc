// pgx-debits: a debit API on PostgreSQL through a pgxpool of 60 connections, a peer for the
// db-pool scenario. Each debit is one transaction that holds its connection for -hold-ms (the
// long credit transaction of the study), idempotent by its Idempotency-Key.
//
//	-mode bounded    a caller waits at most -acquire-timeout for a connection, and at most
//	                 -max-waiting callers wait at all; past either, 503 with Retry-After at once
//	-mode unbounded  pgxpool's default: a caller waits for a connection as long as its request
//	                 lives, and any number of them wait
//
// POST /api/debit {"account","amount"} with an Idempotency-Key header; GET /api/ledger?prefix=
// answers the ledger's totals for the keys and accounts starting with the prefix.
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
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// appName tags the service's pooled connections in pg_stat_activity, so the server's count of
// them is this service's, whoever else shares the database.
const appName = "pgx-debits"

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "Requests answered, by handler, code and method.",
	}, []string{"handler", "code", "method"})
	durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time to answer a request, by handler, code and method.",
		Buckets: []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 4, 5, 10, 30},
	}, []string{"handler", "code", "method"})
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8084", "listen address (loopback)")
	mode := flag.String("mode", "bounded", "bounded or unbounded")
	databaseURL := flag.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres?pool_max_conns=60",
		"PostgreSQL, pgx URL syntax; search_path=<schema> picks the schema, pool_max_conns the pool (60 when absent)")
	holdMs := flag.Int("hold-ms", 2000, "how long each debit transaction holds its connection")
	acquireTimeout := flag.Duration("acquire-timeout", time.Second, "bounded: longest wait for a connection")
	maxWaiting := flag.Int("max-waiting", 60, "bounded: callers allowed to wait for a connection")
	flag.Parse()

	var bounded bool
	switch *mode {
	case "bounded":
		bounded = true
	case "unbounded":
	default:
		log.Fatalf("unknown -mode %q: bounded or unbounded", *mode)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	pool, admin, err := openPools(ctx, *databaseURL, bounded)
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	defer pool.Close()
	if err := createTables(ctx, pool); err != nil {
		log.Fatalf("cannot create the tables (does the schema in search_path exist?): %v", err)
	}

	gate := newGate(pool, bounded, *acquireTimeout, *maxWaiting)
	prometheus.MustRegister(requests, durations, exhausted, poolCollector{pool: pool, gate: gate}, serverCollector{admin: admin})
	svc := &service{gate: gate, admin: admin, hold: time.Duration(*holdMs) * time.Millisecond}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	route(mux, "POST /api/debit", "/api/debit", svc.debit)
	route(mux, "GET /api/ledger", "/api/ledger", svc.ledger)

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stderr, "pgx-debits (%s, %d connections, hold %d ms) listening on http://%s\n",
		*mode, pool.Config().MaxConns, *holdMs, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// route serves a handler instrumented with the handler label curried in.
func route(mux *http.ServeMux, pattern, handler string, h http.HandlerFunc) {
	labels := prometheus.Labels{"handler": handler}
	mux.Handle(pattern, promhttp.InstrumentHandlerDuration(durations.MustCurryWith(labels),
		promhttp.InstrumentHandlerCounter(requests.MustCurryWith(labels), h)))
}

// openPools opens the service's pool and a small admin pool beside it: the ledger and the
// pg_stat_activity gauge must not queue behind the load they are measuring.
func openPools(ctx context.Context, url string, bounded bool) (pool, admin *pgxpool.Pool, err error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, nil, fmt.Errorf("-database-url: %w", err)
	}
	// pgx's default is max(4, CPUs): far from the study's 60.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 60
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = appName
	if bounded {
		// A query that runs away must not hold a connection for good either.
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = "10000"
	}
	adminCfg := cfg.Copy()
	adminCfg.MaxConns = 2
	// Opened now and kept: a ledger read at the end must not need a new connection from a
	// server whose max_connections the load may have used up.
	adminCfg.MinConns = 2
	adminCfg.ConnConfig.RuntimeParams["application_name"] = appName + "-admin"

	if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, nil, err
	}
	if admin, err = pgxpool.NewWithConfig(ctx, adminCfg); err != nil {
		pool.Close()
		return nil, nil, err
	}
	ping, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := errors.Join(pool.Ping(ping), admin.Ping(ping)); err != nil {
		pool.Close()
		admin.Close()
		return nil, nil, fmt.Errorf("cannot reach PostgreSQL: %w", err)
	}
	return pool, admin, nil
}
