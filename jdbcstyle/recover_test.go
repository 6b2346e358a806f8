package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
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

func TestRecoveryLadder(t *testing.T) {
	t.Parallel()
	type version struct {
		user, password string
		stages         []string // nil: AWSCURRENT
	}
	tests := []struct {
		name     string
		versions []version // put in order
		stale    bool      // the cache loads AWSCURRENT after the first version, not the last
		accounts map[string]string
		locked   map[string]bool
		down     error
		params   string
		want     []string // stages tried
		wantOK   bool
		wantErr  func(error) bool
	}{
		{name: "current works", versions: []version{{"app", "p1", nil}},
			accounts: map[string]string{"app": "p1"}, want: []string{stageCurrent}, wantOK: true},
		{name: "rotated since cached", stale: true, versions: []version{{"app", "p1", nil}, {"app", "p2", nil}},
			accounts: map[string]string{"app": "p2"}, want: []string{stageCurrent, stageCurrent}, wantOK: true},
		{name: "window: pending same user", versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stagePending}}},
			accounts: map[string]string{"app": "p2"}, want: []string{stageCurrent, stagePending}, wantOK: true},
		{name: "pending of another user is not tried", versions: []version{{"app", "p1", nil}, {"app_clone", "p2", []string{stagePending}}},
			accounts: map[string]string{"app_clone": "p2"}, want: []string{stageCurrent}},
		{name: "previous of another user", versions: []version{{"app", "p1", nil}, {"app_clone", "p2", nil}},
			accounts: map[string]string{"app": "p1"}, want: []string{stageCurrent, stagePrevious}, wantOK: true},
		{name: "previous of the same user is not tried", versions: []version{{"app", "p1", nil}, {"app", "p2", nil}},
			accounts: map[string]string{"app": "p1"}, want: []string{stageCurrent}},
		{name: "fallback off", versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stagePending}}},
			accounts: map[string]string{"app": "p2"}, params: "?fallback=false", want: []string{stageCurrent}},
		{name: "three attempts at most", stale: true, versions: []version{{"app", "p1", nil}, {"app", "p2", nil}, {"app", "p3", []string{stagePending}}},
			accounts: map[string]string{"app": "p4"}, want: []string{stageCurrent, stageCurrent, stagePending}},
		{name: "lockout stops at once", versions: []version{{"app", "p1", nil}, {"app", "p2", nil}},
			locked: map[string]bool{"app": true}, want: []string{stageCurrent},
			wantErr: func(err error) bool { return errors.As(err, new(fakeLockedError)) }},
		{name: "other errors are not retried", versions: []version{{"app", "p1", nil}, {"app", "p2", nil}},
			down: errors.New("fake: connection refused"), want: []string{stageCurrent},
			wantErr: func(err error) bool { return strings.Contains(err.Error(), "connection refused") }},
		{name: "bad connection hidden", versions: []version{{"app", "p1", nil}},
			down: driver.ErrBadConn, want: []string{stageCurrent},
			wantErr: func(err error) bool { return !errors.Is(err, driver.ErrBadConn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm := secretsmanagertest.NewServer()
			defer sm.Close()
			cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm.Client() })
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			for i, v := range tt.versions {
				if i == 0 {
					_, err = sm.CreateSecret("s", fakeSecret(v.user, v.password))
				} else {
					_, err = sm.PutSecretValue("s", fakeSecret(v.user, v.password), v.stages...)
				}
				if err == nil && (i == len(tt.versions)-1 || tt.stale && i == 0) {
					_, err = cache.GetSecretString("s")
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			c, err := NewConnector(cache, MySQL, "s"+tt.params)
			if err != nil {
				t.Fatal(err)
			}
			c.drv = &fakeDB{accounts: tt.accounts, locked: tt.locked, down: tt.down}
			logins := &logins{}
			c.onLogin = logins.add

			_, err = c.Connect(context.Background())
			if got := logins.take(); !equalStages(got, tt.want) {
				t.Errorf("got logins %v, want %v", got, tt.want)
			}
			switch {
			case tt.wantOK && err != nil:
				t.Errorf("got %v, want a connection", err)
			case !tt.wantOK && err == nil:
				t.Errorf("got a connection, want an error")
			case !tt.wantOK && tt.wantErr == nil && !errors.As(err, new(*fakeAuthError)):
				t.Errorf("got %v, want the authentication error", err)
			case tt.wantErr != nil && !tt.wantErr(err):
				t.Errorf("got %v, not the error wanted", err)
			}
			if err != nil && (strings.Contains(err.Error(), "p1") || strings.Contains(err.Error(), "p2")) {
				t.Errorf("error %q contains a password", err)
			}
		})
	}
}

func TestConnectSecretProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret string // "" leaves the secret missing
		engine Engine
		params string
		want   string
	}{
		{"missing secret", "", MySQL, "", `jdbcstyle: secret "s" AWSCURRENT: `},
		{"not JSON", "hunter2hunter2", MySQL, "", `jdbcstyle: secret "s" AWSCURRENT: jdbcstyle: secret JSON: malformed JSON`},
		{"RDS-managed without host", `{"username":"u","password":"hunter2hunter2"}`, MySQL, "", "add a host param"},
		{"engine mismatch", `{"engine":"postgres","host":"h","username":"u","password":"hunter2hunter2"}`, MySQL, "", "for engine postgres, not mysql"},
		{"unknown engine", `{"engine":"oracle","host":"h","username":"u","password":"hunter2hunter2","dbname":"x"}`, Postgres, "", "for engine oracle, not postgres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm := secretsmanagertest.NewServer()
			defer sm.Close()
			cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm.Client() })
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			if tt.secret != "" {
				if _, err := sm.CreateSecret("s", tt.secret); err != nil {
					t.Fatal(err)
				}
			}
			c, err := NewConnector(cache, tt.engine, "s"+tt.params)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Connect(context.Background())
			var ce *ConnectError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a *ConnectError containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

// TestDetourNotRetried checks that a remembered fallback that stops working
// (its password changed again, or it became AWSCURRENT) is tried once per
// Connect, not once first and again as a fallback.
func TestDetourNotRetried(t *testing.T) {
	t.Parallel()
	type version struct {
		user, password string
		stages         []string // nil: AWSCURRENT
	}
	tests := []struct {
		name      string
		versions  []version // put in order; the cache loads AWSCURRENT after the last
		accounts  map[string]string
		wantFirst []string // stages of the Connect that sets the detour
		// change runs between the two Connects: the database, and maybe
		// the secret, move on.
		change     func(t *testing.T, db *fakeDB, sm *secretsmanagertest.Server)
		wantSecond []string
	}{
		{name: "pending password changed again",
			versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stagePending}}},
			accounts: map[string]string{"app": "p2"}, wantFirst: []string{stageCurrent, stagePending},
			change:     func(t *testing.T, db *fakeDB, _ *secretsmanagertest.Server) { db.setPassword("app", "p3") },
			wantSecond: []string{stagePending, stageCurrent}},
		{name: "previous user's password changed",
			versions: []version{{"alta", "p1", nil}, {"altb", "p2", nil}},
			accounts: map[string]string{"alta": "p1"}, wantFirst: []string{stageCurrent, stagePrevious},
			change:     func(t *testing.T, db *fakeDB, _ *secretsmanagertest.Server) { db.setPassword("alta", "p3") },
			wantSecond: []string{stagePrevious, stageCurrent}},
		{name: "pending became AWSCURRENT, then changed again",
			versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stagePending}}},
			accounts: map[string]string{"app": "p2"}, wantFirst: []string{stageCurrent, stagePending},
			change: func(t *testing.T, db *fakeDB, sm *secretsmanagertest.Server) {
				moveCurrent(t, sm, "s", stagePending)
				db.setPassword("app", "p3")
			},
			wantSecond: []string{stagePending, stageCurrent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm := secretsmanagertest.NewServer()
			defer sm.Close()
			// Refreshes are not rate-limited, so that the second Connect
			// sees what change did to the secret.
			cache, err := secretcache.New(func(c *secretcache.Cache) {
				c.Client = sm.Client()
				c.MinRefreshInterval = time.Nanosecond
			})
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			for i, v := range tt.versions {
				if i == 0 {
					_, err = sm.CreateSecret("s", fakeSecret(v.user, v.password))
				} else {
					_, err = sm.PutSecretValue("s", fakeSecret(v.user, v.password), v.stages...)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			c, err := NewConnector(cache, MySQL, "s")
			if err != nil {
				t.Fatal(err)
			}
			db := &fakeDB{accounts: tt.accounts}
			c.drv = db
			logins := &logins{}
			c.onLogin = logins.add

			if _, err := c.Connect(context.Background()); err != nil {
				t.Fatalf("first Connect: got %v, want a connection", err)
			}
			if got := logins.take(); !equalStages(got, tt.wantFirst) {
				t.Fatalf("first Connect: got logins %v, want %v", got, tt.wantFirst)
			}
			tt.change(t, db, sm)
			_, err = c.Connect(context.Background())
			if got := logins.take(); !equalStages(got, tt.wantSecond) {
				t.Errorf("second Connect: got logins %v, want %v", got, tt.wantSecond)
			}
			if !errors.As(err, new(*fakeAuthError)) {
				t.Errorf("second Connect: got %v, want the authentication error", err)
			}
		})
	}
}

func (db *fakeDB) setPassword(user, password string) {
	db.mu.Lock()
	db.accounts[user] = password
	db.mu.Unlock()
}

// moveCurrent moves AWSCURRENT to the version labelled stage, as a
// rotation's finishSecret step does.
func moveCurrent(t *testing.T, sm *secretsmanagertest.Server, id, stage string) {
	t.Helper()
	versions, err := sm.VersionStages(id)
	if err != nil {
		t.Fatal(err)
	}
	var from, to string
	for v, labels := range versions {
		if slices.Contains(labels, stageCurrent) {
			from = v
		}
		if slices.Contains(labels, stage) {
			to = v
		}
	}
	_, err = sm.Client().UpdateSecretVersionStage(context.Background(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(id), VersionStage: aws.String(stageCurrent),
		MoveToVersionId: aws.String(to), RemoveFromVersionId: aws.String(from),
	})
	if err != nil {
		t.Fatalf("UpdateSecretVersionStage: %v", err)
	}
}

// TestContextEndsAfterRefusal checks that when the Connect's context ends
// between the ladder's steps, the error still holds the driver's refusal
// (errors.As) beside the context's error (errors.Is).
func TestContextEndsAfterRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// scene returns the context for Connect and a hook run before each
		// login that ends it.
		scene func() (ctx context.Context, onLogin func(), cleanup func())
		want  error
	}{
		{"cancelled", func() (context.Context, func(), func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, func(), func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			return ctx, func() { <-ctx.Done() }, cancel
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm := secretsmanagertest.NewServer()
			defer sm.Close()
			cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm.Client() })
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			if _, err := sm.CreateSecret("s", fakeSecret("app", "p1")); err != nil {
				t.Fatal(err)
			}
			if _, err := sm.PutSecretValue("s", fakeSecret("app", "p2"), stagePending); err != nil {
				t.Fatal(err)
			}
			c, err := NewConnector(cache, MySQL, "s")
			if err != nil {
				t.Fatal(err)
			}
			c.drv = &fakeDB{accounts: map[string]string{"app": "p3"}}
			ctx, end, cleanup := tt.scene()
			defer cleanup()
			logins := &logins{}
			c.onLogin = func(stage string) {
				logins.add(stage)
				end()
			}

			_, err = c.Connect(ctx)
			if got, want := logins.take(), []string{stageCurrent}; !equalStages(got, want) {
				t.Errorf("got logins %v, want %v", got, want)
			}
			if !errors.As(err, new(*fakeAuthError)) {
				t.Errorf("got %v, want the refusal reachable with errors.As", err)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want errors.Is %v", err, tt.want)
			}
		})
	}
}

// TestFetchErrorsReported checks that a ladder that could not read the
// secret's other versions says why, and stays quiet about the versions
// that are simply absent outside a rotation.
func TestFetchErrorsReported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pending string // "": no AWSPENDING version
		fault   secretsmanagertest.FaultKind
		// check inspects the error of a Connect with FetchErrors; nil
		// wants none.
		check func(t *testing.T, err error)
	}{
		{name: "no rotation under way"},
		{name: "access denied", pending: fakeSecret("app", "p2"), fault: secretsmanagertest.AccessDenied,
			check: func(t *testing.T, err error) {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
					t.Errorf("got %v, want a smithy.APIError AccessDeniedException reachable with errors.As", err)
				}
				if !strings.Contains(err.Error(), "AccessDenied") {
					t.Errorf("got %q, want the message to say access was denied", err)
				}
			}},
		{name: "malformed AWSPENDING", pending: `{"username":"app","password":"p2","port":"x"}`,
			check: func(t *testing.T, err error) {
				var se *SecretError
				if !errors.As(err, &se) || se.Key != "port" {
					t.Errorf("got %v, want the *SecretError of AWSPENDING reachable with errors.As", err)
				}
				if !strings.Contains(err.Error(), stagePending) {
					t.Errorf("got %q, want it to name %s", err, stagePending)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm := secretsmanagertest.NewServer()
			defer sm.Close()
			cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm.Client() })
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			if _, err := sm.CreateSecret("s", fakeSecret("app", "p1")); err != nil {
				t.Fatal(err)
			}
			if _, err := cache.GetSecretString("s"); err != nil {
				t.Fatal(err)
			}
			if tt.pending != "" {
				if _, err := sm.PutSecretValue("s", tt.pending, stagePending); err != nil {
					t.Fatal(err)
				}
			}
			if tt.fault != 0 {
				sm.InjectFault("GetSecretValue", secretsmanagertest.Fault{Kind: tt.fault})
			}
			c, err := NewConnector(cache, MySQL, "s")
			if err != nil {
				t.Fatal(err)
			}
			c.drv = &fakeDB{accounts: map[string]string{"app": "p3"}}

			_, err = c.Connect(context.Background())
			var ce *ConnectError
			if !errors.As(err, &ce) || !errors.As(err, new(*fakeAuthError)) {
				t.Fatalf("got %v, want a *ConnectError with the refusal reachable", err)
			}
			if strings.Contains(err.Error(), "p1") || strings.Contains(err.Error(), "p2") {
				t.Errorf("error %q contains a password", err)
			}
			if tt.check == nil {
				if ce.FetchErrors != nil || strings.Contains(err.Error(), "also failed") {
					t.Errorf("got FetchErrors %v, want none: a missing AWSPENDING or AWSPREVIOUS is normal", ce.FetchErrors)
				}
				return
			}
			if len(ce.FetchErrors) == 0 {
				t.Fatalf("got no FetchErrors in %v, want why the secret could not be read", err)
			}
			tt.check(t, err)
		})
	}
}

// TestCloseDropsCredentials checks that Close leaves no password behind in
// the Connector, the remembered fallback included.
func TestCloseDropsCredentials(t *testing.T) {
	t.Parallel()
	sm := secretsmanagertest.NewServer()
	defer sm.Close()
	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm.Client() })
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	if _, err := sm.CreateSecret("s", fakeSecret("app", "p1")); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.PutSecretValue("s", fakeSecret("app", "p2"), stagePending); err != nil {
		t.Fatal(err)
	}
	c, err := NewConnector(cache, MySQL, "s")
	if err != nil {
		t.Fatal(err)
	}
	c.drv = &fakeDB{accounts: map[string]string{"app": "p2"}}
	if _, err := c.Connect(context.Background()); err != nil {
		t.Fatalf("Connect: got %v, want AWSPENDING to work", err)
	}
	if c.detour.Load() == nil {
		t.Fatal("got no detour after AWSPENDING let a Connect in, want one")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if d := c.detour.Load(); d != nil {
		t.Errorf("after Close: got a detour with %s credentials, want none", d.stage)
	}
	for i := range c.logins {
		if c.logins[i].Load() != nil {
			t.Errorf("after Close: got credentials in logins[%d], want none", i)
		}
	}
}
