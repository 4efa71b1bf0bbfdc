package main

// The service in front of the upstream: its routes, its protections and its metrics.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/semaphore"
)

// --fault slow-rejections: five times the gate on rejection time. --fault leak: 1,000 calls leave 500 MB.
const (
	slowRejection = 500 * time.Millisecond
	leakBytes     = 512 * 1024
	// --fault breaker-stuck-open: the circuit's open period, far past any test.
	stuckOpen = 24 * time.Hour
)

type service struct {
	c        config
	up       *upstream
	client   *http.Client
	global   *semaphore.Weighted // nil: no global limit
	breaker  *gobreaker.CircuitBreaker[[]byte]
	mu       sync.Mutex
	perUser  map[string]int
	leaked   [][]byte
	fastSeen int
	reg      *prometheus.Registry
	// Metrics a Go service exports: calls in flight on the slow route (the pileup itself), calls
	// waiting on the upstream, refusals by reason, the circuit's state.
	slowInflight prometheus.Gauge
	upInflight   prometheus.Gauge
	rejections   *prometheus.CounterVec
}

func newService(c config, up *upstream) *service {
	s := &service{c: c, up: up, perUser: map[string]int{}, reg: prometheus.NewRegistry()}
	// One connection per concurrent call, as many as there are: the pileup is not capped here.
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	if c.globalLimit > 0 {
		s.global = semaphore.NewWeighted(int64(c.globalLimit))
	}
	halfOpen := time.Duration(c.halfOpenMs) * time.Millisecond
	if c.faults["breaker-stuck-open"] {
		halfOpen = stuckOpen
	}
	if c.breakerFailures > 0 {
		s.breaker = gobreaker.NewCircuitBreaker[[]byte](gobreaker.Settings{
			Name:        "upstream",
			Timeout:     halfOpen,
			ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= uint32(c.breakerFailures) },
			// A client that went away says nothing about the upstream.
			IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		})
	}
	// go_goroutines, go_memstats_*, process_resident_memory_bytes, process_open_fds...
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.slowInflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slow_calls_in_flight", Help: "Requests to /api/slow received and not yet answered."})
	s.upInflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "upstream_inflight_calls", Help: "Calls to the upstream not yet answered."})
	s.rejections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rejections_total",
		Help: "Slow calls refused or failed, by reason: user_limit (429), global_limit (503), breaker_open (503), timeout (504), upstream_error (502).",
	}, []string{"reason"})
	breakerState := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "circuit_breaker_state", Help: "Upstream circuit: 0 closed, 1 half-open, 2 open."}, func() float64 {
		if s.breaker == nil {
			return 0
		}
		// gobreaker's order is closed, half-open, open: 0, 1, 2, the Node target's encoding too.
		return float64(s.breaker.State())
	})
	s.reg.MustRegister(s.slowInflight, s.upInflight, s.rejections, breakerState)
	return s
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	all := prometheus.NewGauge(prometheus.GaugeOpts{Name: "http_inflight_requests", Help: "Requests received and not yet answered (all routes)."})
	s.reg.MustRegister(all)
	mux.Handle("GET /api/slow", promhttp.InstrumentHandlerInFlight(s.slowInflight, http.HandlerFunc(s.slow)))
	mux.HandleFunc("GET /api/fast", s.fast)
	mux.HandleFunc("/admin/outage", s.outage)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { sendJSON(w, 200, map[string]any{"ok": true}) })
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return promhttp.InstrumentHandlerInFlight(all, mux)
}

func sendJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// refuse answers 429/503 at once, or (--fault slow-rejections) after a wait that protects nobody.
func (s *service) refuse(w http.ResponseWriter, status int, msg, retryAfter string) {
	if s.c.faults["slow-rejections"] {
		time.Sleep(slowRejection)
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	sendJSON(w, status, map[string]string{"error": msg})
}

func (s *service) fast(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.fastSeen++
	failing := s.c.faults["canary-errors"] && s.fastSeen%5 == 0
	s.mu.Unlock()
	if failing {
		sendJSON(w, 500, map[string]string{"error": "fault: canary-errors"})
		return
	}
	sendJSON(w, 200, map[string]bool{"ok": true})
}

func (s *service) slow(w http.ResponseWriter, r *http.Request) {
	user := r.Header.Get(s.c.userHeader)
	if user == "" {
		sendJSON(w, 400, map[string]string{"error": fmt.Sprintf("missing %s header: it names the user the limit applies to", s.c.userHeader)})
		return
	}
	if !s.admitUser(user) {
		s.rejections.WithLabelValues("user_limit").Inc()
		s.refuse(w, 429, fmt.Sprintf("user %s has %d slow calls running (limit %d)", user, s.c.userLimit, s.c.userLimit), "")
		return
	}
	defer s.releaseUser(user)
	if s.global != nil {
		if !s.global.TryAcquire(1) {
			s.rejections.WithLabelValues("global_limit").Inc()
			s.refuse(w, 503, fmt.Sprintf("%d slow calls running: try again shortly", s.c.globalLimit), "1")
			return
		}
		defer s.global.Release(1)
	}
	body, err := s.callThroughBreaker(r.Context())
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		s.rejections.WithLabelValues("breaker_open").Inc()
		s.refuse(w, 503, "upstream circuit open: failing fast until it recovers", fmt.Sprint(max(1, (s.c.halfOpenMs+999)/1000)))
	case errors.Is(err, context.DeadlineExceeded):
		s.rejections.WithLabelValues("timeout").Inc()
		sendJSON(w, 504, map[string]string{"error": fmt.Sprintf("upstream did not answer within %d ms", s.c.timeoutMs)})
	default:
		s.rejections.WithLabelValues("upstream_error").Inc()
		sendJSON(w, 502, map[string]string{"error": "upstream failed", "detail": err.Error()})
	}
}

func (s *service) admitUser(user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c.userLimit > 0 && s.perUser[user] >= s.c.userLimit {
		return false
	}
	s.perUser[user]++
	return true
}

func (s *service) releaseUser(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[user]--; s.perUser[user] <= 0 {
		delete(s.perUser, user)
	}
}

func (s *service) callThroughBreaker(ctx context.Context) ([]byte, error) {
	if s.breaker == nil {
		return s.callUpstream(ctx)
	}
	return s.breaker.Execute(func() ([]byte, error) { return s.callUpstream(ctx) })
}

func (s *service) callUpstream(ctx context.Context) ([]byte, error) {
	if s.c.timeoutMs > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(s.c.timeoutMs)*time.Millisecond)
		defer cancel()
	}
	s.upInflight.Inc()
	defer s.upInflight.Dec()
	held := make([]byte, s.c.pendingKB*1024)
	for i := range held {
		held[i] = 1 // touched, so it is resident
	}
	if s.c.faults["leak"] {
		leak := make([]byte, leakBytes)
		for i := range leak {
			leak[i] = 1
		}
		s.mu.Lock()
		s.leaked = append(s.leaked, leak)
		s.mu.Unlock()
	}
	req, err := http.NewRequestWithContext(ctx, "GET", s.up.url+"/call", nil)
	if err != nil {
		return nil, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil && res.StatusCode == 200 {
		return nil, err
	}
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("upstream answered %d", res.StatusCode)
	}
	return json.Marshal(map[string]any{"upstream": got, "held": len(held)})
}

func (s *service) outage(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		mode := r.URL.Query().Get("mode")
		if !contains(outageModes, mode) {
			sendJSON(w, 400, map[string]string{"error": fmt.Sprintf("mode must be one of %v", outageModes)})
			return
		}
		s.up.outage.Store(mode)
	}
	sendJSON(w, 200, map[string]string{"outage": s.up.outage.Load().(string)})
}
