// The edge: checks the bearer token of GET /v1/me and proxies a valid one to the origin.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// keysFor gives the jwt.Keyfunc to check one request's token with.
type keysFor func(ctx context.Context) (jwt.Keyfunc, error)

func serveEdge(mux *http.ServeMux, mode, issuer, origin string, ordersPerSecond int) error {
	jwksURL := strings.TrimRight(issuer, "/") + "/.well-known/jwks.json"
	var keys keysFor
	switch mode {
	case "cached":
		kf, err := keyfunc.NewDefaultCtx(context.Background(), []string{jwksURL})
		if err != nil {
			return err
		}
		keys = func(context.Context) (jwt.Keyfunc, error) { return kf.Keyfunc, nil }
	case "per-request":
		// The naive edge: no cache, the JWKS fetched for every token it checks.
		keys = func(ctx context.Context) (jwt.Keyfunc, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
			if err != nil {
				return nil, err
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				return nil, err
			}
			kf, err := keyfunc.NewJWKSetJSON(body)
			if err != nil {
				return nil, err
			}
			return kf.Keyfunc, nil
		}
	default:
		return fmt.Errorf("unknown -mode %q: cached or per-request", mode)
	}

	target, err := url.Parse(origin)
	if err != nil {
		return err
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithIssuer(issuerName),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(5*time.Second),
	)
	route(mux, "GET", "/v1/me", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := authenticate(w, r, parser, keys); !ok {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	serveOrders(mux, parser, keys, ordersPerSecond)
	// The issuer through the edge, for a test environment that reaches it only here.
	issuerURL, err := url.Parse(issuer)
	if err != nil {
		return err
	}
	route(mux, "GET", "/auth/token", http.StripPrefix("/auth", httputil.NewSingleHostReverseProxy(issuerURL)))
	return nil
}

// authenticate checks the request's bearer token; when it is not valid it answers for it (401,
// or 503 without keys) and says so.
func authenticate(w http.ResponseWriter, r *http.Request, parser *jwt.Parser, keys keysFor) (*jwt.Token, bool) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		unauthorized(w, "missing bearer token")
		return nil, false
	}
	kf, err := keys(r.Context())
	if err != nil {
		http.Error(w, `{"error":"keys unavailable"}`, http.StatusServiceUnavailable)
		return nil, false
	}
	token, err := parser.Parse(raw, kf)
	if err != nil {
		unauthorized(w, "invalid token")
		return nil, false
	}
	return token, true
}

// unauthorized answers 401 as RFC 6750 has it.
func unauthorized(w http.ResponseWriter, why string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"error":%q}`+"\n", why)
}
