package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// fakeDB stands in for a database in tests of the ladder's decisions that
// a real server cannot be made to take safely in parallel, such as a
// locked account.
type fakeDB struct {
	mu       sync.Mutex
	accounts map[string]string // user → password it accepts
	locked   map[string]bool
	down     error // when set, every login fails with it
}

type fakeAuthError struct{ user string }

func (e *fakeAuthError) Error() string { return "fake: access denied for " + e.user }

type fakeLockedError struct{}

func (fakeLockedError) Error() string { return "fake: account locked" }

type fakeConn struct{ driver.Conn }

func (fakeConn) Close() error { return nil }

func (db *fakeDB) connector(_ address, user, password string) (driver.Connector, error) {
	return fakeConnector{db, user, password}, nil
}

func (db *fakeDB) login(ctx context.Context, _ time.Time, conn driver.Connector) (driver.Conn, error) {
	return conn.Connect(ctx)
}

func (db *fakeDB) classify(err error) failure {
	var ae *fakeAuthError
	switch {
	case errors.As(err, &ae):
		return authFailure
	case errors.As(err, new(fakeLockedError)):
		return lockout
	}
	return otherFailure
}

type fakeConnector struct {
	db             *fakeDB
	user, password string
}

func (f fakeConnector) Connect(context.Context) (driver.Conn, error) {
	f.db.mu.Lock()
	defer f.db.mu.Unlock()
	switch {
	case f.db.down != nil:
		return nil, f.db.down
	case f.db.locked[f.user]:
		return nil, fakeLockedError{}
	case f.db.accounts[f.user] == f.password:
		return fakeConn{}, nil
	}
	return nil, &fakeAuthError{f.user}
}

func (f fakeConnector) Driver() driver.Driver { return nil }

func fakeSecret(user, password string) string {
	b, _ := json.Marshal(map[string]string{"host": "db", "username": user, "password": password})
	return string(b)
}
