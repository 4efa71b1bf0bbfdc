// store.go: the products table in PostgreSQL, the cache's origin.
package main

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Product is what GET /v1/products/{key} answers.
type Product struct {
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	PriceCents int64     `json:"price_cents"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// migrate creates the table and a small demo catalogue; existing rows are left alone.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `
CREATE TABLE IF NOT EXISTS products (
	key         text PRIMARY KEY,
	name        text NOT NULL,
	price_cents bigint NOT NULL,
	updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO products (key, name, price_cents) VALUES
	('hot', 'Hot item', 1999),
	('top-seller', 'Top seller', 4999),
	('widget', 'Widget', 250)
ON CONFLICT (key) DO NOTHING`)
	return err
}

type store struct {
	pool  *pgxpool.Pool
	delay time.Duration // how long the product query takes
}

// productQuery stands in for an expensive origin query (joins, aggregates, a slow replica):
// pg_sleep makes it take the store's delay and hold its connection for that long.
const productQuery = `
SELECT p.key, p.name, p.price_cents, p.updated_at
FROM products p, pg_sleep($2)
WHERE p.key = $1`

// product reads one product; pgx.ErrNoRows when there is none.
func (s *store) product(ctx context.Context, key string) (Product, error) {
	dbQueries.WithLabelValues("product").Inc()
	inFlight.begin()
	defer inFlight.end()
	var p Product
	err := s.pool.QueryRow(ctx, productQuery, key, s.delay.Seconds()).Scan(&p.Key, &p.Name, &p.PriceCents, &p.UpdatedAt)
	if err != nil {
		return Product{}, err
	}
	return p, nil
}

// isNotFound tells a missing product from a failed query.
func isNotFound(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
