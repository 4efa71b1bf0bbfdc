// The origin behind the edge. It checks the token again (defence in depth, with keyfunc's cache)
// only to count what reached it: a request with an invalid token here is one the edge let through.
package main

import (
	"context"
	"net/http"
	"strings"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
)

var originRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "origin_requests_total",
	Help: "Requests that reached the origin, by whether their token verifies.",
}, []string{"token"})

func init() { prometheus.MustRegister(originRequests) }

func serveOrigin(mux *http.ServeMux, issuer string) error {
	kf, err := keyfunc.NewDefaultCtx(context.Background(), []string{strings.TrimRight(issuer, "/") + "/.well-known/jwks.json"})
	if err != nil {
		return err
	}
	originRequests.WithLabelValues("valid")
	originRequests.WithLabelValues("invalid")
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithIssuer(issuerName),
		jwt.WithAudience(audience), jwt.WithExpirationRequired())
	route(mux, "GET", "/v1/me", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		verdict := "valid"
		if _, err := parser.Parse(raw, kf.Keyfunc); err != nil {
			verdict = "invalid"
		}
		originRequests.WithLabelValues(verdict).Inc()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"me":"ok"}` + "\n"))
	}))
	return nil
}
