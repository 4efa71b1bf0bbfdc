// jwt-edge: a peer for auth-flood, written as a Go team writes a JWT-checking edge: golang-jwt
// for tokens, MicahParks/keyfunc for the JWKS, x/time/rate per client address in front of
// everything, client_golang for metrics. One binary, three roles, each its own process:
//
//	-role issuer  a test issuer: GET /token?sub=&ttl= signs an RS256 token, GET /.well-known/jwks.json
//	-role edge    the edge under test: GET /v1/me checks the bearer token and proxies to the origin;
//	              POST /v1/orders, a JSON API behind the same token, limited per user (its subject)
//	-role origin  the service behind the edge; it counts what reaches it, by whether the token verifies
//
// The edge's -mode: `cached` (keyfunc's default JWKS cache: a refetch an hour, an unknown kid at
// most every 5 minutes) or `per-request` (the JWKS fetched for every token, the naive edge).
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

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const (
	issuerName = "floodgate-peer-issuer"
	audience   = "floodgate-peer-api"
)

// requests counts every routed request as promhttp labels them: handler, code, method.
var requests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "http_requests_total",
	Help: "Requests answered, by handler, code and method.",
}, []string{"handler", "code", "method"})

func init() { prometheus.MustRegister(requests) }

// route instruments h under its pattern's path, as client_golang's promhttp does.
func route(mux *http.ServeMux, method, path string, h http.Handler) {
	mux.Handle(method+" "+path, promhttp.InstrumentHandlerCounter(requests.MustCurryWith(prometheus.Labels{"handler": path}), h))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address (loopback)")
	role := flag.String("role", "edge", "issuer, edge or origin")
	mode := flag.String("mode", "cached", "edge: cached (keyfunc's JWKS cache) or per-request (a JWKS fetch per token)")
	issuer := flag.String("issuer", "", "edge and origin: the issuer's base URL (its JWKS is at /.well-known/jwks.json)")
	origin := flag.String("origin", "", "edge: the origin's base URL")
	perSecond := flag.Float64("rate", 50, "edge: requests a second each client address may send")
	burst := flag.Int("burst", 100, "edge: how many at once each client address may send")
	ordersPerSecond := flag.Int("orders-limit", 5, "edge: orders a second each user (the token's subject) may place; 0: no limit")
	flag.Parse()

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	var handler http.Handler = mux
	switch *role {
	case "issuer":
		if err := serveIssuer(mux); err != nil {
			log.Fatal(err)
		}
	case "edge":
		if *issuer == "" || *origin == "" {
			log.Fatal("-role edge needs -issuer and -origin")
		}
		if err := serveEdge(mux, *mode, *issuer, *origin, *ordersPerSecond); err != nil {
			log.Fatal(err)
		}
		// In front of everything, /metrics included: the common shape of a Go middleware chain.
		handler = newAddressLimiter(*perSecond, *burst).middleware(mux)
	case "origin":
		if *issuer == "" {
			log.Fatal("-role origin needs -issuer")
		}
		if err := serveOrigin(mux, *issuer); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown -role %q: issuer, edge or origin", *role)
	}

	srv := &http.Server{Addr: *addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	fmt.Fprintf(os.Stderr, "jwt-edge %s listening on http://%s\n", *role, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
