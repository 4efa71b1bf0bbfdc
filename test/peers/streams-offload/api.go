// api.go: the HTTP side. Accepting a write is one XADD: the answer never waits for the database.
// The status and ledger reads are for clients and operators checking what became of a write.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// maxAmount bounds a write: one the database would refuse must be refused here, not poison the stream.
const maxAmount = 1_000_000_000

type api struct {
	db     *pgxpool.Pool
	rdb    *redis.Client
	stream string
}

type orderRequest struct {
	Amount *int64 `json:"amount"`
}

// accept queues a write: 202 with where to ask about it, or 503 when the stream is unreachable.
// A retried write (the same key) is queued again; the worker's key check makes it take no effect.
func (a *api) accept(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if !validKey(key) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "an Idempotency-Key header is required: 1-200 printable ASCII characters"})
		return
	}
	var req orderRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil ||
		req.Amount == nil || *req.Amount < 1 || *req.Amount > maxAmount {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body must be JSON: {\"amount\": <integer from 1 to 1000000000>}"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	id, err := a.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: a.stream,
		Values: []any{"key", key, "amount", *req.Amount},
	}).Result()
	if err != nil {
		log.Printf("accept %s: %v", key, err)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "cannot queue the write"})
		return
	}
	statusURL := "/v1/orders/" + url.PathEscape(key)
	w.Header().Set("Location", statusURL)
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "queued", "key": key, "entryId": id, "statusUrl": statusURL})
}

// status answers whether a write has been applied. A queued write and an unknown key look alike
// (404): the accept keeps nothing but the stream entry.
func (a *api) status(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	var amount int64
	var at time.Time
	err := a.db.QueryRow(r.Context(),
		`SELECT amount, created_at FROM orders WHERE idempotency_key = $1 ORDER BY id LIMIT 1`, key).Scan(&amount, &at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		writeJSON(w, http.StatusNotFound, map[string]any{"key": key, "status": "not applied", "detail": "queued, or never accepted"})
	case err != nil:
		log.Printf("status %s: %v", key, err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "database unavailable"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"key": key, "status": "applied", "amount": amount, "appliedAt": at})
	}
}

// ledger counts, for keys starting with ?prefix=, the keys applied, the order rows they made
// (one each, unless a write took effect twice) and the keys still in the stream and not applied.
// The stream is read first and the database after, in one statement: a write applied in between
// counts as applied, never as neither.
func (a *api) ledger(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("prefix")
	if len(prefix) < 4 || len(prefix) > 200 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "prefix (4-200 characters) is required"})
		return
	}
	inStream, err := a.streamKeys(r.Context(), prefix)
	if err != nil {
		log.Printf("ledger: %v", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "stream unavailable"})
		return
	}
	var keys, rows, streamApplied int64
	err = a.db.QueryRow(r.Context(), `
		SELECT count(DISTINCT idempotency_key), count(*),
		       count(DISTINCT idempotency_key) FILTER (WHERE idempotency_key = ANY($2))
		FROM orders WHERE starts_with(idempotency_key, $1)`, prefix, inStream).Scan(&keys, &rows, &streamApplied)
	if err != nil {
		log.Printf("ledger: %v", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"prefix":  prefix,
		"applied": keys,
		"effects": rows,
		"queued":  int64(len(inStream)) - streamApplied,
	})
}

// streamKeys lists the distinct keys with the prefix among the stream's entries. The stream also
// holds entries already applied and acknowledged until the worker trims them; the ledger
// subtracts those.
func (a *api) streamKeys(ctx context.Context, prefix string) ([]string, error) {
	seen := map[string]struct{}{}
	for start := "-"; ; {
		page, err := a.rdb.XRangeN(ctx, a.stream, start, "+", 1000).Result()
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			if k, ok := m.Values["key"].(string); ok && strings.HasPrefix(k, prefix) {
				seen[k] = struct{}{}
			}
		}
		if len(page) < 1000 {
			break
		}
		start = "(" + page[len(page)-1].ID
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	return keys, nil
}

func validKey(k string) bool {
	if len(k) == 0 || len(k) > 200 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// parseEntry reads a stream entry's fields back into a write.
func parseEntry(values map[string]any) (key string, amount int64, ok bool) {
	key, _ = values["key"].(string)
	s, _ := values["amount"].(string)
	amount, err := strconv.ParseInt(s, 10, 64)
	return key, amount, validKey(key) && err == nil && amount >= 1 && amount <= maxAmount
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
