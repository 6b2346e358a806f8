package secretcache

import (
	"fmt"
	"log/slog"
	"time"
)

const (
	// DefaultMaxCacheSize is the number of secrets a Cache keeps when
	// CacheConfig.MaxCacheSize is zero.
	DefaultMaxCacheSize = 1024

	// DefaultCacheItemTTL is the refresh interval, in nanoseconds, used when
	// CacheConfig.CacheItemTTL is zero: one hour. It is an untyped constant,
	// as in aws-secretsmanager-caching-go.
	DefaultCacheItemTTL = 3600000000000

	// DefaultVersionStage is the staging label read when
	// CacheConfig.VersionStage is empty.
	DefaultVersionStage = "AWSCURRENT"

	// DefaultRetryBaseDelay is the first wait after a failed fetch when
	// CacheConfig.RetryBaseDelay is zero. Each further failure doubles it.
	DefaultRetryBaseDelay = time.Second

	// DefaultRetryMaxDelay caps the wait between retries of a failing fetch
	// when CacheConfig.RetryMaxDelay is zero.
	DefaultRetryMaxDelay = 5 * time.Minute

	// DefaultMinRefreshInterval is the least time between two fetches that
	// RefreshNow starts for the same secret and stage when
	// CacheConfig.MinRefreshInterval is zero.
	DefaultMinRefreshInterval = time.Second

	// DefaultFetchTimeout bounds one call to Secrets Manager when
	// CacheConfig.FetchTimeout is zero.
	DefaultFetchTimeout = 30 * time.Second
)

// CacheConfig holds the settings of a Cache. The zero value of every field
// means its default. New reads the configuration once: changing it after New
// has no effect.
type CacheConfig struct {
	// MaxCacheSize is how many entries the cache keeps: each (secret,
	// staging label) pair read is one entry, whether it holds a value or a
	// remembered failure. Beyond it the cache evicts the entry least likely
	// to be read again (see the package documentation). Default
	// DefaultMaxCacheSize; negative is invalid.
	MaxCacheSize int

	// CacheItemTTL is how long, in nanoseconds, a cached version is served
	// before it is refreshed. Each entry draws its own TTL uniformly from
	// [CacheItemTTL/2, CacheItemTTL] so that secrets loaded together do not
	// refresh together. Expiry is checked against a clock reading taken
	// every CacheItemTTL/16 (at least 1 ms, at most 1 s), so a value may be
	// served for up to that long past its TTL. Default DefaultCacheItemTTL;
	// negative is invalid.
	CacheItemTTL int64

	// VersionStage is the staging label that GetSecretString and
	// GetSecretBinary read. Default DefaultVersionStage.
	VersionStage string

	// Hook, if set, transforms what the cache stores for each version; see
	// CacheHook. Default nil: values are kept as fetched.
	Hook CacheHook

	// SynchronousRefresh makes a caller that finds an expired value wait for
	// the refresh instead of being served the old value while the refresh
	// runs in the background. A failed refresh still serves the old value.
	// Default false.
	SynchronousRefresh bool

	// RetryBaseDelay is the wait before retrying a failed fetch; it doubles
	// with each consecutive failure, with jitter, up to RetryMaxDelay.
	// Default DefaultRetryBaseDelay; negative is invalid.
	RetryBaseDelay time.Duration

	// RetryMaxDelay caps the wait between retries of a failing fetch.
	// Default DefaultRetryMaxDelay, or RetryBaseDelay if that is longer;
	// negative, or less than RetryBaseDelay, is invalid.
	RetryMaxDelay time.Duration

	// MinRefreshInterval rate-limits forced refreshes (Refresh, RefreshNow):
	// the cache starts at most one forced fetch per secret and stage per
	// interval. A call made within the interval of the last one waits for
	// the next fetch the limit allows, so that it never reports an answer
	// from before it was called. Default DefaultMinRefreshInterval; negative
	// is invalid.
	MinRefreshInterval time.Duration

	// FetchTimeout bounds one call to Secrets Manager. Fetches run on the
	// cache's own context, never on a caller's, so this is what stops a hung
	// fetch; a call may run up to a sixteenth longer (at most a second),
	// because fetches share deadlines. A hundred years or more means no
	// bound. Default DefaultFetchTimeout; negative is invalid.
	FetchTimeout time.Duration

	// Logger, if set, receives refresh failures and recoveries. Records carry
	// the secret ID, stage and error, never a secret value. Default nil: no
	// logging.
	Logger *slog.Logger
}

// settings is CacheConfig resolved to concrete values, read without locks on
// every call.
type settings struct {
	maxSize      int
	ttl          time.Duration
	stage        string
	hook         CacheHook
	freshBinary  bool // hook implements FreshBinaryHook and says so
	syncRefresh  bool
	retryBase    time.Duration
	retryMax     time.Duration
	minRefresh   time.Duration
	fetchTimeout time.Duration
	logger       *slog.Logger
	tick         time.Duration // how often the hit path's clock reading is renewed
}

func (cfg *CacheConfig) resolve() (settings, error) {
	checks := []struct {
		name string
		v    int64
	}{
		{"MaxCacheSize", int64(cfg.MaxCacheSize)},
		{"CacheItemTTL", cfg.CacheItemTTL},
		{"RetryBaseDelay", int64(cfg.RetryBaseDelay)},
		{"RetryMaxDelay", int64(cfg.RetryMaxDelay)},
		{"MinRefreshInterval", int64(cfg.MinRefreshInterval)},
		{"FetchTimeout", int64(cfg.FetchTimeout)},
	}
	for _, c := range checks {
		if c.v < 0 {
			return settings{}, &InvalidConfigError{Message: fmt.Sprintf("secretcache: %s is %d, must not be negative", c.name, c.v)}
		}
	}
	s := settings{
		maxSize:      orDefault(cfg.MaxCacheSize, DefaultMaxCacheSize),
		ttl:          time.Duration(orDefault(cfg.CacheItemTTL, int64(DefaultCacheItemTTL))),
		stage:        orDefault(cfg.VersionStage, DefaultVersionStage),
		hook:         cfg.Hook,
		syncRefresh:  cfg.SynchronousRefresh,
		retryBase:    orDefault(cfg.RetryBaseDelay, DefaultRetryBaseDelay),
		retryMax:     orDefault(cfg.RetryMaxDelay, DefaultRetryMaxDelay),
		minRefresh:   orDefault(cfg.MinRefreshInterval, DefaultMinRefreshInterval),
		fetchTimeout: orDefault(cfg.FetchTimeout, DefaultFetchTimeout),
		logger:       cfg.Logger,
	}
	s.tick = tickFor(s.ttl)
	if fb, ok := cfg.Hook.(FreshBinaryHook); ok {
		s.freshBinary = fb.FreshBinary()
	}
	if cfg.RetryMaxDelay == 0 {
		s.retryMax = max(s.retryMax, s.retryBase) // the default cap never undercuts a base set alone
	}
	if s.retryMax < s.retryBase {
		return settings{}, &InvalidConfigError{Message: fmt.Sprintf("secretcache: RetryMaxDelay %v is less than RetryBaseDelay %v", s.retryMax, s.retryBase)}
	}
	return s, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
