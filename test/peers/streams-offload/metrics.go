// metrics.go: the stream as the consumer group sees it, read from Redis at scrape time.
// The backlog is what the group still owes: entries delivered but unacknowledged (pending) plus
// entries not yet delivered (lag, Redis >= 7). XLEN is not it: acknowledged entries stay in the
// stream until the worker trims them.
package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

var (
	lengthDesc = prometheus.NewDesc("stream_length_entries",
		"Entries in the stream (XLEN), acknowledged history included.", []string{"stream"}, nil)
	pendingDesc = prometheus.NewDesc("stream_pending_entries",
		"Entries delivered to a consumer of the group and not yet acknowledged.", []string{"stream", "group"}, nil)
	lagDesc = prometheus.NewDesc("stream_lag_entries",
		"Entries not yet delivered to the group (absent when Redis cannot tell).", []string{"stream", "group"}, nil)
	backlogDesc = prometheus.NewDesc("stream_backlog_entries",
		"Writes accepted and not yet applied: the group's pending entries plus its lag.", []string{"stream", "group"}, nil)
	consumersDesc = prometheus.NewDesc("stream_consumers",
		"Consumers known to the group, this process's and earlier ones'.", []string{"stream", "group"}, nil)
)

// streamCollector reads XLEN and XINFO GROUPS at each scrape. A scrape that cannot reach Redis
// reports none of these rather than stale numbers.
type streamCollector struct {
	rdb           *redis.Client
	stream, group string
}

func (c streamCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lengthDesc, pendingDesc, lagDesc, backlogDesc, consumersDesc} {
		ch <- d
	}
}

func (c streamCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var length *redis.IntCmd
	var groups *redis.XInfoGroupsCmd
	if _, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		length = p.XLen(ctx, c.stream)
		groups = p.XInfoGroups(ctx, c.stream)
		return nil
	}); err != nil {
		return
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	gauge(lengthDesc, length.Val(), c.stream)
	for _, g := range groups.Val() {
		if g.Name != c.group {
			continue
		}
		gauge(pendingDesc, g.Pending, c.stream, c.group)
		gauge(consumersDesc, g.Consumers, c.stream, c.group)
		// go-redis reports an unknown lag (entries deleted past the group's position) as -1.
		if g.Lag >= 0 {
			gauge(lagDesc, g.Lag, c.stream, c.group)
			gauge(backlogDesc, g.Pending+g.Lag, c.stream, c.group)
		}
	}
}
