package jdbcstyle

import (
	"runtime"
	"sync"
	"weak"

	"golang.org/x/sync/semaphore"
)

// account is what the Connectors of one database account share: the
// ladder (the versions refused, the route, the recovery under way) and the
// login gate. A service often opens several pools on the same secret (a
// sql.DB per package, an ORM beside a query builder, a pgx pool beside
// database/sql); the database counts refused logins per account, whatever
// pool sent them, so the bounds on refused logins hold for all of them
// together only if they share what they learn.
//
// Connectors share an account when they read the same secret through the
// same cache (the same *secretcache.Cache, or the registered drivers'
// default cache for a region and endpoint) with the same engine and the
// same DSN, params included: a different fallback policy must not follow a
// route that another policy chose, and different driver params may reach
// the server differently.
type account struct {
	key    accountKey
	ladder ladder
	gate   *semaphore.Weighted
	refs   int // open Connectors holding it; guarded by accountsMu
}

type accountKey struct {
	caches cacheSource // comparable: a fixedCache or a *lazyCache
	engine Engine
	dsn    string // Config.FormatDSN, which writes every setting
}

var (
	accountsMu sync.Mutex
	// accounts holds every account weakly: the Connectors hold theirs, and
	// a Connector nobody closes (a pgxpool configuration's: pgxpool has no
	// hook on its own Close; a sql.DB dropped without Close) must not keep
	// its account, or the cache it names, for the life of the process. A
	// cleanup deletes the entry of an account once it is garbage.
	accounts = map[accountKey]weak.Pointer[account]{} // guarded by accountsMu
)

// joinAccount returns the account of key, made with a gate of n logins if
// no Connector holds it, and counts one more holder.
func joinAccount(key accountKey, n int) *account {
	accountsMu.Lock()
	defer accountsMu.Unlock()
	a := accounts[key].Value()
	if a == nil {
		a = &account{key: key, gate: semaphore.NewWeighted(int64(n))}
		wp := weak.Make(a)
		accounts[key] = wp
		runtime.AddCleanup(a, forgetAccount, accountEntry{key, wp})
	}
	a.refs++
	return a
}

// accountEntry names a registry entry for forgetAccount.
type accountEntry struct {
	key accountKey
	wp  weak.Pointer[account]
}

// forgetAccount deletes the entry of an account that became garbage,
// unless a new account took its key since.
func forgetAccount(e accountEntry) {
	accountsMu.Lock()
	defer accountsMu.Unlock()
	if accounts[e.key] == e.wp {
		delete(accounts, e.key)
	}
}

// leave counts one holder less; the last one to leave forgets the account,
// which drops what it learned.
func (a *account) leave() {
	accountsMu.Lock()
	defer accountsMu.Unlock()
	a.refs--
	if a.refs == 0 {
		if accounts[a.key].Value() == a {
			delete(accounts, a.key)
		}
		a.ladder.reset()
	}
}
