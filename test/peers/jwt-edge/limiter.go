// A token bucket per client address (x/time/rate), the middleware most Go services put in front
// of everything: a client over its rate gets 429 with Retry-After.
package main

import (
	"net"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

var rateLimited = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "http_rate_limited_requests_total",
	Help: "Requests refused with 429 by the per-address limit, before any handler.",
})

func init() { prometheus.MustRegister(rateLimited) }

type addressLimiter struct {
	mu        sync.Mutex
	perSecond rate.Limit
	burst     int
	clients   map[string]*rate.Limiter
}

func newAddressLimiter(perSecond float64, burst int) *addressLimiter {
	return &addressLimiter{perSecond: rate.Limit(perSecond), burst: burst, clients: map[string]*rate.Limiter{}}
}

func (l *addressLimiter) limiter(addr string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients[addr]
	if !ok {
		lim = rate.NewLimiter(l.perSecond, l.burst)
		l.clients[addr] = lim
	}
	return lim
}

func (l *addressLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if !l.limiter(host).Allow() {
			rateLimited.Inc()
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"rate limit exceeded"}`, http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}
