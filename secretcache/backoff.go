package secretcache

import (
	"math/rand/v2"
	"time"
)

// jitter draws a TTL uniformly from [ttl/2, ttl], so that secrets loaded
// together do not all refresh in the same instant.
func jitter(ttl time.Duration) time.Duration {
	half := ttl / 2
	return half + rand.N(ttl-half+1)
}

// backoff returns the wait after the n-th consecutive failure (n ≥ 1): base
// doubled n-1 times, capped at max, then jittered into its upper half so that
// many processes failing together do not retry together.
func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return jitter(min(d, max))
}
