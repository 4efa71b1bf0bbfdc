// singleflight-cache: a product read API with an in-memory cache in front of PostgreSQL, a peer
// for the cache-stampede scenario. The product query is expensive on purpose (it sleeps
// -query-delay, 50 ms, in the database), and the cache keeps a product for -ttl, so a hot key
// expires again and again.
//
//	-mode singleflight  readers that miss the same key share one origin query
//	                    (golang.org/x/sync/singleflight): one query per expiry
//	-mode plain         every reader that misses queries the database itself: at each expiry,
//	                    every reader in flight stampedes the origin
//
// GET /v1/products/{key} answers the product as JSON (404 when there is none).
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
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8085", "listen address (loopback)")
	mode := flag.String("mode", "singleflight", "singleflight or plain")
	databaseURL := flag.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres",
		"PostgreSQL, pgx URL syntax; search_path=<schema> picks the schema, pool_max_conns the pool")
	ttl := flag.Duration("ttl", time.Second, "how long a cached product lives")
	queryDelay := flag.Duration("query-delay", 50*time.Millisecond, "how long the origin's product query takes (pg_sleep)")
	flag.Parse()

	var collapse bool
	switch *mode {
	case "singleflight":
		collapse = true
	case "plain":
	default:
		log.Fatalf("unknown -mode %q: singleflight or plain", *mode)
	}
	if *ttl <= 0 {
		log.Fatalf("-ttl %s: must be positive", *ttl)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	pool, err := openPool(ctx, *databaseURL)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := migrate(ctx, pool); err != nil {
		log.Fatalf("cannot create the products table (does the schema in search_path exist?): %v", err)
	}

	prometheus.MustRegister(requests, durations, dbQueries, cacheRequests, cacheExpirations, poolCollector{pool: pool}, inFlight)
	// Zero from the start, so a scrape before the first miss reads 0 rather than no series.
	dbQueries.WithLabelValues("product")
	cacheExpirations.WithLabelValues("products")
	cacheRequests.WithLabelValues("products", "hit")
	cacheRequests.WithLabelValues("products", "miss")
	svc := newService(&store{pool: pool, delay: *queryDelay}, newCache(*ttl), collapse)

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	route(mux, "GET /v1/products/{key}", "/v1/products/{key}", svc.getProduct)

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stderr, "singleflight-cache (%s, ttl %s, query %s, %d connections) listening on http://%s\n",
		*mode, *ttl, *queryDelay, pool.Config().MaxConns, *addr)
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

// openPool opens the pool and checks that the server answers, so a wrong URL fails at start
// rather than at the first request.
func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("-database-url: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "singleflight-cache"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ping, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(ping); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL: %w", err)
	}
	return pool, nil
}
