// A JSON API behind the bearer token: POST /v1/orders places an order for the token's subject,
// at most -orders-limit a second per user (x/time/rate, 429 with Retry-After past it).
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

type order struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

func serveOrders(mux *http.ServeMux, parser *jwt.Parser, keys keysFor, perSecond int) {
	var mu sync.Mutex
	users := map[string]*rate.Limiter{}
	limiter := func(sub string) *rate.Limiter {
		mu.Lock()
		defer mu.Unlock()
		lim, ok := users[sub]
		if !ok {
			lim = rate.NewLimiter(rate.Limit(perSecond), perSecond)
			users[sub] = lim
		}
		return lim
	}
	var placed atomic.Int64
	route(mux, "POST", "/v1/orders", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := authenticate(w, r, parser, keys)
		if !ok {
			return
		}
		sub, err := token.Claims.GetSubject()
		if err != nil || sub == "" {
			unauthorized(w, "token has no subject")
			return
		}
		if perSecond > 0 && !limiter(sub).Allow() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"too many orders"}`, http.StatusTooManyRequests)
			return
		}
		var o order
		if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o.SKU == "" || o.Quantity < 1 {
			http.Error(w, `{"error":"want {\"sku\": string, \"quantity\": positive integer}"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"order":%d,"user":%q,"sku":%q,"quantity":%d}`+"\n", placed.Add(1), sub, o.SKU, o.Quantity)
	}))
}
