// store.go: where the writes land. orders holds one row per effect; processed_keys is the
// worker's record of the Idempotency-Keys it has applied (the "inbox" table), written in the
// same transaction as the order, so a commit both applies the write and marks it done.
package main

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func createTables(ctx context.Context, db *pgxpool.Pool) error {
	_, err := db.Exec(ctx, `
		CREATE TABLE IF NOT EXISTS orders (
			id bigserial PRIMARY KEY,
			idempotency_key text NOT NULL,
			amount bigint NOT NULL CHECK (amount > 0),
			created_at timestamptz NOT NULL DEFAULT now()
		);
		CREATE INDEX IF NOT EXISTS orders_idempotency_key ON orders (idempotency_key);
		CREATE TABLE IF NOT EXISTS processed_keys (
			idempotency_key text PRIMARY KEY,
			processed_at timestamptz NOT NULL DEFAULT now()
		)`)
	return err
}

// applyOnce applies a write unless its key was applied before; false for a key seen before.
func applyOnce(ctx context.Context, db *pgxpool.Pool, key string, amount int64) (fresh bool, err error) {
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO processed_keys (idempotency_key) VALUES ($1) ON CONFLICT DO NOTHING`, key)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		fresh = true
		_, err = tx.Exec(ctx, `INSERT INTO orders (idempotency_key, amount) VALUES ($1, $2)`, key, amount)
		return err
	})
	return fresh && err == nil, err
}

// applyBlind applies a write as delivered: one round trip, no lookup of the key.
func applyBlind(ctx context.Context, db *pgxpool.Pool, key string, amount int64) (bool, error) {
	_, err := db.Exec(ctx, `INSERT INTO orders (idempotency_key, amount) VALUES ($1, $2)`, key, amount)
	return err == nil, err
}
