package main

// The slow upstream of the Go-API resilience study (a Notion- or JIRA-like API answering in
// 2-3 s), as its own HTTP server on a private loopback port, with an outage switch: answer
// errors at once, or hang until the caller gives up.

import (
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

var outageModes = []string{"none", "errors", "hang"}

type upstream struct {
	url    string
	outage atomic.Value // string
	srv    *http.Server
}

func startUpstream(listen string, minMs, maxMs int) (*upstream, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	u := &upstream{url: "http://" + ln.Addr().String()}
	u.outage.Store("none")
	u.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch u.outage.Load().(string) {
		case "errors":
			http.Error(w, `{"error":"upstream outage"}`, http.StatusServiceUnavailable)
			return
		case "hang":
			<-r.Context().Done() // never answered: the caller's timeout is all that ends it
			return
		}
		latency := time.Duration(minMs+rand.IntN(maxMs-minMs+1)) * time.Millisecond
		select {
		case <-time.After(latency):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"ok":true}`))
		case <-r.Context().Done():
		}
	})}
	go func() { _ = u.srv.Serve(ln) }()
	return u, nil
}

func (u *upstream) close() { _ = u.srv.Close() }
