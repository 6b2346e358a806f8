package jdbcstyle

import (
	"runtime"
	"testing"
	"time"
)

// accountsOf counts the accounts of cache in the registry.
func accountsOf(e *env) int {
	accountsMu.Lock()
	defer accountsMu.Unlock()
	n := 0
	for k := range accounts {
		if k.caches == (fixedCache{e.cache}) {
			n++
		}
	}
	return n
}

// TestAccountsForgetDroppedConnectors: a Connector nobody closes (that of
// a pgxpool configuration, whose pool has no close hook, or of a sql.DB
// dropped without Close) does not keep its account, nor the cache it
// names, in the registry once it is garbage.
func TestAccountsForgetDroppedConnectors(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, fakeSecret("app", "p0"))
	func() {
		cfg, err := NewPgxPoolConfig(e.cache, e.id+"?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(cfg)
	}()
	if accountsOf(e) != 1 {
		t.Fatal("the pool configuration's Connector has no account")
	}
	deadline := time.Now().Add(10 * time.Second)
	for accountsOf(e) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the account of a dropped Connector is still registered")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // polling for the cleanup to run
	}
}
