package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secretcache/secretcache-go/jdbcstyle"
)

// countingConnector counts the connections a Connector opens and the
// Connects that fail. database/sql closes it, and so the Connector, with
// the DB.
type countingConnector struct {
	*jdbcstyle.Connector
	opened atomic.Int64
	failed atomic.Int64

	// quiet is held for reading by every Connect and for writing while the
	// counters are read together with the relay's, so that no login is
	// half counted: the relay counts a login when it starts, the connector
	// when it ends.
	quiet sync.RWMutex
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c.quiet.RLock()
	defer c.quiet.RUnlock()
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		c.failed.Add(1)
		return nil, err
	}
	c.opened.Add(1)
	return conn, nil
}

// workload is goroutines running one query in a loop through one *sql.DB
// and counting the outcomes.
type workload struct {
	db     *sql.DB
	query  string
	ctx    context.Context // ends at stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// queries is written under mu, with byUser, so that a reader holding mu
	// sees the two agree; it may be loaded at any time.
	queries atomic.Int64
	errors  atomic.Int64

	mu       sync.Mutex
	byUser   map[string]int64 // queries served per user, guarded by mu
	firstErr error            // guarded by mu
}

// newWorkload returns a workload running query, which returns a user name,
// once started.
func newWorkload(db *sql.DB, query string) *workload {
	ctx, cancel := context.WithCancel(context.Background())
	return &workload{db: db, query: query, ctx: ctx, cancel: cancel, byUser: make(map[string]int64)}
}

// start starts n goroutines, which run until stop. It is called once.
func (wl *workload) start(n int) {
	wl.wg.Add(n)
	for range n {
		go wl.loop(wl.ctx)
	}
}

func (wl *workload) loop(ctx context.Context) {
	defer wl.wg.Done()
	for ctx.Err() == nil {
		var user string
		err := wl.db.QueryRowContext(ctx, wl.query).Scan(&user)
		switch {
		case ctx.Err() != nil:
			return // stopping: not the database's failure
		case err != nil:
			wl.errors.Add(1)
			wl.mu.Lock()
			if wl.firstErr == nil {
				wl.firstErr = err
			}
			wl.mu.Unlock()
			// Do not spin on a server that is down.
			time.Sleep(10 * time.Millisecond)
		default:
			wl.mu.Lock()
			wl.queries.Add(1)
			wl.byUser[user]++
			wl.mu.Unlock()
		}
	}
}

// stop ends the goroutines and waits for them. It is idempotent.
func (wl *workload) stop() {
	wl.cancel()
	wl.wg.Wait()
}

// servedAs reports how many queries were answered as user.
func (wl *workload) servedAs(user string) int64 {
	wl.mu.Lock()
	defer wl.mu.Unlock()
	return wl.byUser[user]
}
