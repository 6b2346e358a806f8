package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secretcache/secretcache-go/secretcache"
)

// fakeDB stands in for a database in tests of the ladder's decisions that
// a real server cannot be made to take safely in parallel, such as a
// locked account.
type fakeDB struct {
	mu       sync.Mutex
	accounts map[string]string // user → password it accepts
	locked   map[string]bool
	down     error        // when set, every login fails with it
	open     atomic.Int64 // connections opened and not closed yet

	sends atomic.Int64 // logins that sent their credentials
	// hold, when set, keeps every login that sent its credentials waiting
	// for the verdict until it is closed; each such login signals sent.
	hold, sent chan struct{}
}

type fakeAuthError struct{ user string }

func (e *fakeAuthError) Error() string { return "fake: access denied for " + e.user }

type fakeLockedError struct{}

func (fakeLockedError) Error() string { return "fake: account locked" }

type fakeConn struct {
	driver.Conn
	db *fakeDB
}

func (c fakeConn) Close() error {
	c.db.open.Add(-1)
	return nil
}

func (db *fakeDB) template(_ address, user string) (driver.Connector, error) {
	return fakeConnector{db, user}, nil
}

// login passes the gate as a real driver's first write does, then logs in
// with the login's password.
func (db *fakeDB) login(ctx context.Context, l *login, conn driver.Connector) (driver.Conn, error) {
	if err := l.send(ctx); err != nil {
		return nil, err
	}
	db.sends.Add(1)
	if db.hold != nil {
		db.sent <- struct{}{}
		select {
		case <-db.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return conn.(fakeConnector).connect(l.password)
}

func (db *fakeDB) classify(err error) failure {
	var ae *fakeAuthError
	switch {
	case errors.As(err, &ae):
		return authFailure
	case errors.As(err, new(fakeLockedError)):
		return denied
	}
	return otherFailure
}

type fakeConnector struct {
	db   *fakeDB
	user string
}

func (f fakeConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("fake: Connect without a login")
}

func (f fakeConnector) connect(password string) (driver.Conn, error) {
	f.db.mu.Lock()
	defer f.db.mu.Unlock()
	switch {
	case f.db.down != nil:
		return nil, f.db.down
	case f.db.locked[f.user]:
		return nil, fakeLockedError{}
	case f.db.accounts[f.user] == password:
		f.db.open.Add(1)
		return fakeConn{db: f.db}, nil
	}
	return nil, &fakeAuthError{f.user}
}

func (f fakeConnector) Driver() driver.Driver { return nil }

func (db *fakeDB) setPassword(user, password string) {
	db.mu.Lock()
	db.accounts[user] = password
	db.mu.Unlock()
}

// newFakeEnv returns an env for tests against a fakeDB, with no database
// server: its secret, "s", holds value, or does not exist when value is "".
func newFakeEnv(t *testing.T, value string, opts ...func(*secretcache.Cache)) *env {
	t.Helper()
	e := &env{engine: MySQL, id: "s"}
	e.sm, e.cache = newCache(t, opts...)
	if value != "" {
		e.createSecret(t, value)
	}
	return e
}

// fakeConnector returns a Connector on the test's secret, with params
// appended to its ID, that logs in to db, and the record of its logins.
func (e *env) fakeConnector(t *testing.T, params string, db *fakeDB) (*Connector, *logins) {
	t.Helper()
	c, l := e.connectorDSN(t, e.id+params)
	c.drv = db
	return c, l
}

// version is a version of a fake secret.
type version struct {
	user, password string
	stages         []string // nil: AWSCURRENT
}

func (v version) json() string { return fakeSecret(v.user, v.password) }

// putVersions puts vs in the test's secret, in order.
func (e *env) putVersions(t *testing.T, vs []version) {
	t.Helper()
	for _, v := range vs {
		e.putSecret(t, v.json(), v.stages...)
	}
}

func fakeSecret(user, password string) string {
	b, _ := json.Marshal(map[string]string{"host": "db", "username": user, "password": password})
	return string(b)
}
