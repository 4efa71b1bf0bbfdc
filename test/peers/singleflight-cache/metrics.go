// metrics.go: the service's Prometheus metrics: HTTP requests, origin queries, cache lookups and expiries,
// and the pool's pgxpool.Stat() read at each scrape.
package main

import (
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "Requests answered, by handler, code and method.",
	}, []string{"handler", "code", "method"})
	durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time to answer a request, by handler, code and method.",
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
	}, []string{"handler", "code", "method"})

	dbQueries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "db_queries_total",
		Help: "Queries sent to PostgreSQL, by query.",
	}, []string{"query"})
	cacheRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cache_requests_total",
		Help: "Cache lookups, by result (hit or miss).",
	}, []string{"cache", "result"})
	cacheExpirations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cache_expirations_total",
		Help: "Cache entries found expired, once per entry however many readers miss it.",
	}, []string{"cache"})
)

var (
	acquiredDesc = prometheus.NewDesc("pgxpool_acquired_conns", "Connections currently checked out of the pool.", nil, nil)
	idleDesc     = prometheus.NewDesc("pgxpool_idle_conns", "Idle connections in the pool.", nil, nil)
	totalDesc    = prometheus.NewDesc("pgxpool_total_conns", "Connections in the pool: acquired, idle and being opened.", nil, nil)
	maxDesc      = prometheus.NewDesc("pgxpool_max_conns", "The pool's size.", nil, nil)
	acquiresDesc = prometheus.NewDesc("pgxpool_acquire_count_total", "Successful acquires since start.", nil, nil)
	emptyDesc    = prometheus.NewDesc("pgxpool_empty_acquire_count_total", "Acquires that had to wait: no idle connection.", nil, nil)
)

// poolCollector reports pgxpool.Stat() at each scrape.
type poolCollector struct{ pool *pgxpool.Pool }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{acquiredDesc, idleDesc, totalDesc, maxDesc, acquiresDesc, emptyDesc} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(acquiredDesc, float64(s.AcquiredConns()))
	gauge(idleDesc, float64(s.IdleConns()))
	gauge(totalDesc, float64(s.TotalConns()))
	gauge(maxDesc, float64(s.MaxConns()))
	counter(acquiresDesc, float64(s.AcquireCount()))
	counter(emptyDesc, float64(s.EmptyAcquireCount()))
}

// inFlight counts queries running now and the most at once since the last scrape: a query of
// 50 ms between two scrapes a second apart is invisible to a reading of the moment
// (pgxpool_acquired_conns), and a stampede is exactly such a burst.
var inFlight = &peakGauge{desc: prometheus.NewDesc("db_queries_in_flight_max",
	"The most queries running at once since the previous scrape.", nil, nil)}

type peakGauge struct {
	desc      *prometheus.Desc
	mu        sync.Mutex
	now, peak int
}

func (g *peakGauge) begin() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now++
	g.peak = max(g.peak, g.now)
}

func (g *peakGauge) end() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now--
}

func (g *peakGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect reports the peak and starts the next window from what is running now.
func (g *peakGauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	peak := g.peak
	g.peak = g.now
	g.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(peak))
}
