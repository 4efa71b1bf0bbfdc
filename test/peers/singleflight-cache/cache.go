// cache.go: a small TTL cache of products, and the read path that fills it from the store,
// with or without single-flight.
package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

type entry struct {
	product Product
	expires time.Time
	// expired is set by the first reader to find the entry stale, so an expiry is counted once
	// however many readers miss it.
	expired bool
}

// cache keeps products for a fixed TTL. Stale entries stay in the map until refilled: the map is
// bounded by the catalogue, and keeping them is what lets an expiry be counted once.
type cache struct {
	ttl   time.Duration
	mu    sync.Mutex
	items map[string]*entry
}

func newCache(ttl time.Duration) *cache {
	return &cache{ttl: ttl, items: make(map[string]*entry)}
}

// get returns a fresh product, or false on a miss (absent or expired).
func (c *cache) get(key string) (Product, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return Product{}, false
	}
	if time.Now().Before(e.expires) {
		return e.product, true
	}
	if !e.expired {
		e.expired = true
		cacheExpirations.WithLabelValues("products").Inc()
	}
	return Product{}, false
}

// set stores a product for one TTL from now.
func (c *cache) set(key string, p Product) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[key] = &entry{product: p, expires: time.Now().Add(c.ttl)}
}

type service struct {
	store    *store
	cache    *cache
	collapse bool
	group    singleflight.Group
}

func newService(s *store, c *cache, collapse bool) *service {
	return &service{store: s, cache: c, collapse: collapse}
}

// originTimeout bounds a refill: it no longer follows any one reader's request.
const originTimeout = 5 * time.Second

// product answers from the cache, or from the store on a miss.
func (s *service) product(ctx context.Context, key string) (Product, error) {
	if p, ok := s.cache.get(key); ok {
		cacheRequests.WithLabelValues("products", "hit").Inc()
		return p, nil
	}
	cacheRequests.WithLabelValues("products", "miss").Inc()
	if !s.collapse {
		// Every reader that misses goes to the database: the stampede.
		p, err := s.store.product(ctx, key)
		if err == nil {
			s.cache.set(key, p)
		}
		return p, err
	}
	ch := s.group.DoChan(key, func() (any, error) {
		// A reader that missed just before the last flight filled the cache would otherwise
		// start a second query for the same expiry.
		if p, ok := s.cache.get(key); ok {
			return p, nil
		}
		// The query is shared, so it must not die with the request that happened to start it.
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), originTimeout)
		defer cancel()
		p, err := s.store.product(qctx, key)
		if err == nil {
			s.cache.set(key, p)
		}
		return p, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return Product{}, res.Err
		}
		return res.Val.(Product), nil
	case <-ctx.Done():
		return Product{}, ctx.Err()
	}
}

func (s *service) getProduct(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	p, err := s.product(r.Context(), key)
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	case isNotFound(err):
		http.Error(w, "no such product", http.StatusNotFound)
	case r.Context().Err() != nil:
		// The client is gone; nobody reads this answer.
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		log.Printf("product %q: %v", key, err)
		http.Error(w, "cannot read the product", http.StatusInternalServerError)
	}
}
