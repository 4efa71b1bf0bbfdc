// metrics.go: the pool as the service sees it (pgxpool.Stat() and the gate's count of waiting
// callers) and as PostgreSQL sees it (pg_stat_activity), both read at scrape time.
package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	acquiredDesc = prometheus.NewDesc("pgxpool_acquired_conns", "Connections currently checked out of the pool.", nil, nil)
	idleDesc     = prometheus.NewDesc("pgxpool_idle_conns", "Idle connections in the pool.", nil, nil)
	totalDesc    = prometheus.NewDesc("pgxpool_total_conns", "Connections in the pool: acquired, idle and being opened.", nil, nil)
	maxDesc      = prometheus.NewDesc("pgxpool_max_conns", "The pool's size.", nil, nil)
	waitingDesc  = prometheus.NewDesc("pgxpool_acquire_waiting", "Callers waiting in Acquire for a connection.", nil, nil)
	acquiresDesc = prometheus.NewDesc("pgxpool_acquire_count_total", "Successful acquires since start.", nil, nil)
	emptyDesc    = prometheus.NewDesc("pgxpool_empty_acquire_count_total", "Acquires that had to wait: no idle connection.", nil, nil)
	canceledDesc = prometheus.NewDesc("pgxpool_canceled_acquire_count_total", "Acquires given up by their context.", nil, nil)
	waitTimeDesc = prometheus.NewDesc("pgxpool_empty_acquire_wait_seconds_total", "Time spent waiting by acquires that had to wait.", nil, nil)

	serverConnsDesc = prometheus.NewDesc("pg_stat_activity_count",
		"Server backends of this service in pg_stat_activity, by state.", []string{"application_name", "state"}, nil)
)

// poolCollector reports pgxpool.Stat() at each scrape.
type poolCollector struct {
	pool *pgxpool.Pool
	gate *gate
}

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{acquiredDesc, idleDesc, totalDesc, maxDesc, waitingDesc, acquiresDesc, emptyDesc, canceledDesc, waitTimeDesc} {
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
	gauge(waitingDesc, float64(c.gate.Waiting()))
	counter(acquiresDesc, float64(s.AcquireCount()))
	counter(emptyDesc, float64(s.EmptyAcquireCount()))
	counter(canceledDesc, float64(s.CanceledAcquireCount()))
	counter(waitTimeDesc, s.EmptyAcquireWaitTime().Seconds())
}

// serverCollector counts this service's backends in pg_stat_activity through the admin pool.
// A scrape that cannot reach the server reports nothing rather than a stale number.
type serverCollector struct{ admin *pgxpool.Pool }

func (c serverCollector) Describe(ch chan<- *prometheus.Desc) { ch <- serverConnsDesc }

func (c serverCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	rows, err := c.admin.Query(ctx,
		`SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity WHERE application_name = $1 GROUP BY 1`, appName)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int64
		if rows.Scan(&state, &n) == nil {
			ch <- prometheus.MustNewConstMetric(serverConnsDesc, prometheus.GaugeValue, float64(n), appName, state)
		}
	}
}
