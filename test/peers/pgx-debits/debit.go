// debit.go: the debit and ledger handlers, and the tables behind them. A debit is one
// transaction: make sure the account exists, record the key (unique: a replay records nothing),
// take the amount off the balance, then the long part that holds the connection.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// initialCredits is every new account's balance: large enough that no run drains one.
const initialCredits = 1_000_000_000

// txTimeout bounds a debit's transaction once it holds a connection, whatever the client does.
const txTimeout = 10 * time.Second

var errInsufficient = errors.New("insufficient credits")

func createTables(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `
		CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, credits bigint NOT NULL CHECK (credits >= 0));
		CREATE TABLE IF NOT EXISTS debits (
			idempotency_key text PRIMARY KEY,
			account_id text NOT NULL REFERENCES accounts (id),
			amount bigint NOT NULL CHECK (amount > 0),
			created_at timestamptz NOT NULL DEFAULT now()
		)`)
	return err
}

type service struct {
	gate  *gate
	admin *pgxpool.Pool
	hold  time.Duration
}

type debitRequest struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

func (s *service) debit(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || len(key) > 200 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "an Idempotency-Key header (1-200 characters) is required"})
		return
	}
	// Read the body to its end: only then does net/http watch the connection, and cancel the
	// request's context when the client hangs up.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	var req debitRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil || req.Account == "" || req.Amount <= 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": `body must be JSON: {"account": "<id>", "amount": <positive integer>}`})
		return
	}

	conn, err := s.gate.acquire(r.Context())
	var refused *exhaustedError
	switch {
	case errors.As(err, &refused):
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"error":  "database pool exhausted",
			"detail": refused.detail,
			"pool":   map[string]any{"size": s.gate.pool.Config().MaxConns, "waiting": s.gate.Waiting()},
		})
		return
	case r.Context().Err() != nil:
		// The client gave up while waiting: nobody reads the answer, but the metrics should not
		// count it a 200 (499 is nginx's "client closed request").
		w.WriteHeader(499)
		return
	case err != nil:
		log.Printf("acquire: %v", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "database unavailable"})
		return
	}
	defer conn.Release()

	// Once it holds a connection the debit runs to its end even if the client hangs up: on a
	// cancelled context pgx closes the connection mid-transaction, so the debit rolls back and
	// the pool dials again. Finishing is cheaper, and the key makes the client's retry safe.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), txTimeout)
	defer cancel()
	applied, err := s.apply(ctx, conn, key, req)
	switch {
	case errors.Is(err, errInsufficient):
		writeJSON(w, http.StatusConflict, map[string]any{"error": "insufficient credits", "account": req.Account})
	case err != nil:
		log.Printf("debit %s: %v", key, err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "debit failed"})
	case !applied:
		writeJSON(w, http.StatusOK, map[string]any{"key": key, "account": req.Account, "amount": req.Amount, "replay": true})
	default:
		writeJSON(w, http.StatusCreated, map[string]any{"key": key, "account": req.Account, "amount": req.Amount, "replay": false})
	}
}

// apply runs the debit's transaction; false when the key was applied before.
func (s *service) apply(ctx context.Context, conn *pgxpool.Conn, key string, req debitRequest) (applied bool, err error) {
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, credits) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
			req.Account, initialCredits); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO debits (idempotency_key, account_id, amount) VALUES ($1, $2, $3)
			ON CONFLICT (idempotency_key) DO NOTHING`, key, req.Account, req.Amount)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // a replay: the key is there already, nothing more to take
		}
		applied = true
		tag, err = tx.Exec(ctx, `UPDATE accounts SET credits = credits - $2 WHERE id = $1 AND credits >= $2`, req.Account, req.Amount)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errInsufficient
		}
		// The long part of the credit transaction, holding the connection (and the row lock).
		_, err = tx.Exec(ctx, `SELECT pg_sleep($1)`, s.hold.Seconds())
		return err
	})
	return applied && err == nil, err
}

// ledger answers the totals for one run's keys and accounts (they all start with the prefix).
func (s *service) ledger(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("prefix")
	if len(prefix) < 4 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "prefix (at least 4 characters) is required"})
		return
	}
	var debits, keys, debited, drop int64
	err := s.admin.QueryRow(r.Context(), `
		SELECT (SELECT count(*) FROM debits WHERE starts_with(idempotency_key, $1)),
		       (SELECT count(DISTINCT idempotency_key) FROM debits WHERE starts_with(idempotency_key, $1)),
		       (SELECT coalesce(sum(amount), 0) FROM debits WHERE starts_with(account_id, $1))::bigint,
		       (SELECT coalesce(sum($2 - credits), 0) FROM accounts WHERE starts_with(id, $1))::bigint`,
		prefix, int64(initialCredits)).Scan(&debits, &keys, &debited, &drop)
	if err != nil {
		log.Printf("ledger: %v", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "ledger unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"prefix": prefix, "debits": debits, "distinctKeys": keys, "debited": debited, "balanceDrop": drop})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
