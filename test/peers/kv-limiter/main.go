// kv-limiter: a peer for kv-writes, a per-user rate limit (5 req/s) whose state lives in Redis,
// written the two ways Go teams write it:
//
//	-mode redis-rate  go-redis/redis_rate: a GCRA script run in Redis for every request (a write
//	                  per request); a Redis error is a 500, as its examples return it
//	-mode batched     x/time/rate per user in memory, each user's count written to Redis once a
//	                  second in one pipeline; while Redis is down it limits from memory, never a 5xx
//
// GET /v1/tools/call answers 200, or 429 with Retry-After. The user is the X-User-Id header.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "Requests answered, by handler, code and method.",
	}, []string{"handler", "code", "method"})
	storeUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "limiter_store_up",
		Help: "1 while the limiter's last Redis command succeeded.",
	})
)

func init() { prometheus.MustRegister(requests, storeUp) }

// decision is what a limiter says of one request: allowed, or the wait before the next one is.
type decision struct {
	allowed    bool
	retryAfter time.Duration
}

type limiter interface {
	allow(ctx context.Context, user string) (decision, error)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address (loopback)")
	mode := flag.String("mode", "batched", "redis-rate or batched")
	redisURL := flag.String("redis-url", "redis://127.0.0.1:6379", "the store")
	perSecond := flag.Int("limit", 5, "requests a second per user")
	userHeader := flag.String("user-header", "X-User-Id", "header naming the user")
	flag.Parse()

	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		log.Fatal(err)
	}
	// A request waits on the store briefly at most: fail fast while it is away (-1: no retries).
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.MaxRetries = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond, -1
	rdb := redis.NewClient(opts)
	storeUp.Set(1)

	var lim limiter
	switch *mode {
	case "redis-rate":
		lim = &redisRate{limiter: redis_rate.NewLimiter(rdb), limit: redis_rate.PerSecond(*perSecond)}
	case "batched":
		b := newBatched(rdb, *perSecond)
		go b.flushEvery(context.Background(), time.Second)
		lim = b
	default:
		log.Fatalf("unknown -mode %q: redis-rate or batched", *mode)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	work := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.Header.Get(*userHeader)
		if user == "" {
			http.Error(w, fmt.Sprintf(`{"error":"missing %s header"}`, *userHeader), http.StatusBadRequest)
			return
		}
		d, err := lim.allow(r.Context(), user)
		if err != nil {
			http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
			return
		}
		if !d.allowed {
			w.Header().Set("Retry-After", fmt.Sprint(int(math.Max(1, math.Ceil(d.retryAfter.Seconds())))))
			http.Error(w, `{"error":"rate limit exceeded"}`, http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"done":true}` + "\n"))
	})
	mux.Handle("GET /v1/tools/call", promhttp.InstrumentHandlerCounter(requests.MustCurryWith(prometheus.Labels{"handler": "/v1/tools/call"}), work))

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	fmt.Fprintf(os.Stderr, "kv-limiter (%s) listening on http://%s\n", *mode, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
