// The limiter as go-redis/redis_rate has it: every decision is a script run in Redis.
package main

import (
	"context"

	"github.com/go-redis/redis_rate/v10"
)

type redisRate struct {
	limiter *redis_rate.Limiter
	limit   redis_rate.Limit
}

func (l *redisRate) allow(ctx context.Context, user string) (decision, error) {
	res, err := l.limiter.Allow(ctx, "rate:"+user, l.limit)
	if err != nil {
		storeUp.Set(0)
		return decision{}, err
	}
	storeUp.Set(1)
	return decision{allowed: res.Allowed > 0, retryAfter: res.RetryAfter}, nil
}
