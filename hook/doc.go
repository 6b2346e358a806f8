// Package hook provides ready-made implementations of secretcache.CacheHook:
// AESGCM, which keeps every cached secret encrypted in memory; Chain, which
// composes hooks; and Funcs, which turns two functions into a hook.
//
// Plug one in through CacheConfig.Hook:
//
//	h, err := hook.NewAESGCM(nil) // a random key for this process
//	if err != nil { ... }
//	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Hook = h })
//
// Every hit then decrypts the secret for that call only; what the cache keeps
// between calls is ciphertext.
//
// # Threat model
//
// AESGCM protects secrets from being read out of a copy of the process's
// memory taken without running code in it: a heap dump or profile shipped to
// a support ticket, a core file, swap, and accidental logging or printing of
// the cache's internals (a %#v of the wrong struct). Those hold only
// ciphertext and the non-secret version metadata (ARN, name, version ID,
// staging labels, creation date), which is kept in clear so that a sealed
// value is self-contained and authenticated.
//
// It does NOT protect against an attacker who runs code in the process or can
// read its memory while it runs: such an attacker can call the cache like the
// program does, or read the key, which has to sit in the same memory to be
// useful. Nor does it hide the plaintext of a secret while a caller holds
// it, or after: GetSecretString returns an ordinary Go string, which stays
// in memory as garbage (below).
//
// # What a hit leaves in memory
//
// Exactly this, and no more, is kept from plaintext:
//
//   - Get opens each hit into a pooled buffer and zeroes the bytes it
//     opened before the buffer returns to the pool. Put zeroes the buffer it
//     builds to seal a value. The SDK's response buffers, from which Put's
//     input came, are outside the hook's reach.
//   - A SecretString hit is copied into a new Go string for the caller.
//     Strings are immutable and cannot be wiped: once dropped, each is
//     ordinary garbage that the collector frees but does not clear. 2,000
//     hits on one secret leave 2,000 plaintext copies on the heap until the
//     next collection, and their bytes in the process's memory after it,
//     until the allocator reuses the space. A heap dump taken after a
//     collection shows none of them; a core file may. Read a string secret
//     once and keep what you derive from it rather than reading it per
//     request, or use a binary secret.
//   - A SecretBinary hit is copied into a slice allocated for that hit,
//     which AESGCM neither keeps nor references anywhere, and says so
//     (AESGCM.FreshBinary, see secretcache.FreshBinaryHook): the cache hands
//     that slice to the caller instead of copying it again, so the caller
//     holds the only plaintext copy, which it can wipe with clear once done.
//
// # Errors
//
// A hook cannot return an error from Put or Get directly, so every hook here
// returns an error value in place of the result, which the cache reports to
// its caller as a *secretcache.HookError wrapping it. A sealed value that was
// altered, truncated, moved to another version's metadata or sealed under
// another key therefore makes the call fail with an error that matches
// ErrTampered (errors.Is); it never panics and never yields a wrong secret.
//
// # Concurrency
//
// AESGCM, the hook Chain returns and Funcs (when its functions are) are safe
// for concurrent use, as the cache requires: Get runs on every hit, from any
// number of goroutines at once. Hooks take no context because they do no
// I/O: a cancelled context ends the cache call around a hook; the hook
// itself always runs to completion, in microseconds.
package hook
