// redis-stats: a small Prometheus exporter of a Redis server's own counts, under the names
// oliver006/redis_exporter gives them (which the Go proxy here does not serve): at each scrape,
// INFO commandstats as redis_commands_total{cmd} (commands run inside scripts count under their
// own names, as Redis counts them) and redis_up. It is the store's side of the bill: what reached
// Redis, whoever sent it.
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

var (
	upDesc       = prometheus.NewDesc("redis_up", "1 when the last scrape of Redis succeeded.", nil, nil)
	commandsDesc = prometheus.NewDesc("redis_commands_total", "Commands Redis has run since it started, by command (INFO commandstats).", []string{"cmd"}, nil)
)

// collector reads Redis at each scrape, so the numbers are the server's at that moment.
type collector struct{ rdb *redis.Client }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- upDesc
	ch <- commandsDesc
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := c.rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
	// Lines like: cmdstat_set:calls=12,usec=40,usec_per_call=3.33,rejected_calls=0,failed_calls=0
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		cmd, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		if n, err := strconv.ParseFloat(calls, 64); err == nil {
			ch <- prometheus.MustNewConstMetric(commandsDesc, prometheus.CounterValue, n, cmd)
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9121", "listen address (loopback)")
	redisURL := flag.String("redis-url", "redis://127.0.0.1:6379", "the Redis to read")
	flag.Parse()
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{rdb: redis.NewClient(opts)})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	fmt.Fprintf(os.Stderr, "redis-stats listening on http://%s\n", *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
