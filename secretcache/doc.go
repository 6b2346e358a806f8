// Package secretcache is an in-process cache of AWS Secrets Manager secrets.
//
// A service builds one Cache at start-up and reads secrets through it; in
// AWS Lambda, build it at package level, outside the handler, so that warm
// invocations are served from memory:
//
//	var cache, _ = secretcache.New()
//
//	func handler(ctx context.Context) error {
//		pw, err := cache.GetSecretStringWithContext(ctx, "prod/app/db")
//		...
//	}
//
// The API is that of github.com/aws/aws-secretsmanager-caching-go/v2: code
// written for it compiles and works after changing only the import path.
// Beyond it, methods that take a context first (GetSecretJSON, GetVersion,
// Refresh, Prefetch) and Stats and Close are added.
//
// # What the cache does
//
// A miss makes one GetSecretValue call per (secret, staging label); callers
// that miss the same key at the same time share that call. A hit takes no
// lock shared with other callers, makes no allocation (without a hook) and
// scales with cores.
//
// Each entry expires after a TTL drawn from [CacheItemTTL/2, CacheItemTTL].
// The first hit after that is served the cached value at once while one
// background refresh per key fetches the new one (set
// CacheConfig.SynchronousRefresh to wait for it instead). A failed refresh
// keeps serving the last good value and is retried with exponential backoff
// and jitter (1 s, doubling, at most 5 min by default), except when the
// service says the secret or its staging label no longer exists: that value
// is dropped, so a deleted secret or an AWSPENDING label removed at the end
// of a rotation is not served forever. A failed first fetch
// is remembered for the same delay, so that a missing secret does not turn
// every call into an API call; its error wraps the SDK's, so
// errors.As(err, new(*types.ResourceNotFoundException)) works.
//
// RefreshNow fetches at once, shared by concurrent callers and rate-limited
// per key by CacheConfig.MinRefreshInterval. The cache keeps at most
// MaxCacheSize secrets. When it is full it evicts by least recent use,
// tracked without a lock on the read path: the LRU list is ordered by
// insertion, and a secret read since it was last placed gets a second
// chance at the front before the oldest unread one is evicted.
//
// # Concurrency and contexts
//
// A Cache is safe for concurrent use by any number of goroutines. Fetches run
// on the cache's own context, bounded by CacheConfig.FetchTimeout, never on a
// caller's: a caller whose context ends returns at once with an error that
// wraps ctx.Err(), and the fetch goes on for the callers sharing it, its
// result cached as usual. Close cancels fetches in flight, stops every timer
// and goroutine the cache started, and waits for them.
//
// # Secrets stay secret
//
// No error, log record, panic or formatted value of a type of this package
// contains a secret value. Errors name secrets by ID and stage only.
package secretcache
