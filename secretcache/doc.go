// Package secretcache is an in-process cache of AWS Secrets Manager secrets.
//
// A service builds one Cache at start-up and reads secrets through it; in
// AWS Lambda, build it at package level, outside the handler, so that warm
// invocations are served from memory:
//
//	var cache, cacheErr = secretcache.New()
//
//	func handler(ctx context.Context) error {
//		if cacheErr != nil {
//			return cacheErr // no AWS configuration, say
//		}
//		pw, err := cache.GetSecretStringWithContext(ctx, "prod/app/db")
//		if err != nil {
//			return err // names the secret, never its value
//		}
//		return connect(pw)
//	}
//
// The API is that of github.com/aws/aws-secretsmanager-caching-go/v2: code
// written for it compiles after changing only the import path (the README's
// migration section lists what behaves differently). Beyond it, methods
// that take a context first (GetSecretJSON, GetVersion,
// GetSecretStringVersion, Refresh, Prefetch) and Stats and Close are added.
//
// # What the cache does
//
// A miss makes one GetSecretValue call per (secret, staging label); callers
// that miss the same key at the same time share that call. A hit takes no
// lock and scales with cores; a string hit makes no allocation (without a
// hook), and a binary hit only the copy it returns.
//
// Each entry expires after a TTL drawn from [CacheItemTTL/2, CacheItemTTL].
// The first read after that is served the cached value at once while one
// background refresh per key fetches the new one (set
// CacheConfig.SynchronousRefresh to wait for it instead). A failed refresh
// keeps serving the last good value and is retried with exponential backoff
// and jitter (1 s, doubling, at most 5 min by default), except when the
// service says the secret or its staging label no longer exists, or that
// the secret is scheduled for deletion: that value is dropped, so a deleted
// secret or an AWSPENDING label removed at the end of a rotation is not
// served. A failed first fetch is remembered for the same delay, so that a
// missing secret does not turn every call into an API call; its error wraps
// the SDK's, so errors.As(err, new(*types.ResourceNotFoundException)) works.
//
// # Freshness
//
// Refresh (and RefreshNow) never adopts a fetch that was already in flight:
// when it returns nil, every read that starts after it returns the version
// the service gave to a fetch started after Refresh was called, or a newer
// one. A key never has two fetches at the service at once (a Refresh called
// while one is in flight waits for it to land, then asks), and every fetch
// is numbered as it starts, an entry only ever taking an answer from a
// fetch that started later than the one it holds; so answers land in the
// order the service gave them, and a slow one (a background refresh, a
// Prefetch batch) never replaces what a later fetch stored. Forced fetches
// are rate-limited per key by MinRefreshInterval; a call inside the
// interval waits for the next fetch the limit allows rather than report an
// older answer. The rate limit outlives eviction of the entry.
//
// # Bounds
//
// The cache holds at most MaxCacheSize entries: each (secret, staging label)
// pair read counts, whether it holds a value or a remembered failure. When
// it is full, it evicts with S3-FIFO: new entries enter a small queue and
// are evicted first unless they are read again, in which case they join a
// main queue where an entry read since the policy last looked is kept and
// the others are evicted oldest first. On skewed workloads this keeps more
// hits than LRU, and reads never take a lock to update recency. Rate-limit
// records are kept only while they limit something, at most
// max(4×MaxCacheSize, 1024) of them.
//
// # Concurrency and contexts
//
// A Cache is safe for concurrent use by any number of goroutines. Fetches run
// on the cache's own context, bounded by CacheConfig.FetchTimeout, never on a
// caller's: a caller whose context ends returns at once with an error that
// wraps ctx.Err(), and the fetch goes on for the callers sharing it, its
// result cached as usual. A call whose context is already done is still
// served a hit, but anything that would wait (a miss, Refresh, Prefetch)
// returns the context's error without calling the service or changing the
// cache. Close cancels
// fetches in flight, stops every timer and goroutine the cache started, and
// waits for them; every concurrent Close returns only then.
//
// # Errors and panics
//
// Errors name the secret and stage and wrap the SDK's error, reachable with
// errors.As. *VersionNotFoundError reports a missing staging label,
// *InvalidOperationError an empty ID or the wrong getter for the secret's
// kind, *InvalidConfigError a configuration New rejects, *HookError a failing
// hook, and ErrClosed a call after Close. A panic in the Client or the Hook,
// and a client that returns neither a value nor an error, become errors for
// the callers: nothing a client, a hook or a logger does can crash a
// goroutine the cache owns.
//
// # Secrets stay secret
//
// No error, log record, panic or formatted value of a type of this package
// contains a secret value. Errors name secrets by ID and stage only.
package secretcache
