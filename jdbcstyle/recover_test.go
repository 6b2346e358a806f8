package jdbcstyle

import (
	"context"
	"database/sql/driver"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/secretcache"
)

func TestRecoveryLadder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		versions []version // the first created, the others put in order
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
		{name: "previous of the alternating partner", versions: []version{{"app", "p1", nil}, {"app_clone", "p2", nil}},
			accounts: map[string]string{"app": "p1"}, want: []string{stageCurrent, stagePrevious}, wantOK: true},
		{name: "previous of the partner, back from the clone", versions: []version{{"app_clone", "p1", nil}, {"app", "p2", nil}},
			accounts: map[string]string{"app_clone": "p1"}, want: []string{stageCurrent, stagePrevious}, wantOK: true},
		{name: "previous of another user is not tried", versions: []version{{"admin", "p1", nil}, {"app", "p2", nil}},
			accounts: map[string]string{"admin": "p1"}, want: []string{stageCurrent}},
		{name: "previous of another user with fallbackPrevious=any", versions: []version{{"admin", "p1", nil}, {"app", "p2", nil}},
			accounts: map[string]string{"admin": "p1"}, params: "?fallbackPrevious=any", want: []string{stageCurrent, stagePrevious}, wantOK: true},
		{name: "previous of the partner with fallbackPrevious=never", versions: []version{{"app", "p1", nil}, {"app_clone", "p2", nil}},
			accounts: map[string]string{"app": "p1"}, params: "?fallbackPrevious=never", want: []string{stageCurrent}},
		{name: "pending that became AWSCURRENT is AWSCURRENT", stale: true, versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stageCurrent, stagePending}}},
			accounts: map[string]string{"app": "p2"}, want: []string{stageCurrent, stageCurrent}, wantOK: true},
		{name: "previous of the same user is not tried", versions: []version{{"app", "p1", nil}, {"app", "p2", nil}},
			accounts: map[string]string{"app": "p1"}, want: []string{stageCurrent}},
		{name: "fallback off", versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stagePending}}},
			accounts: map[string]string{"app": "p2"}, params: "?fallback=false", want: []string{stageCurrent}},
		{name: "three attempts at most", stale: true, versions: []version{{"app", "p1", nil}, {"app", "p2", nil}, {"app", "p3", []string{stagePending}}},
			accounts: map[string]string{"app": "p4"}, want: []string{stageCurrent, stageCurrent, stagePending}},
		{name: "three attempts at most, the recovery's included", stale: true,
			versions: []version{{"app", "p0", nil}, {"app", "p1", nil}, {"app_clone", "p2", nil}, {"app_clone", "p3", []string{stagePending}}},
			accounts: map[string]string{"app": "p9"}, want: []string{stageCurrent, stageCurrent, stagePending}},
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
			e := newFakeEnv(t, tt.versions[0].json())
			if tt.stale {
				e.cacheCurrent(t)
			}
			e.putVersions(t, tt.versions[1:])
			e.cacheCurrent(t)
			c, logins := e.fakeConnector(t, tt.params, &fakeDB{accounts: tt.accounts, locked: tt.locked, down: tt.down})

			_, err := c.Connect(context.Background())
			if got := logins.take(); !slices.Equal(got, tt.want) {
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
			for _, v := range tt.versions {
				checkNoPassword(t, err, v.password)
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
		want   string
	}{
		{"missing secret", "", MySQL, `jdbcstyle: secret "s" AWSCURRENT: `},
		{"not JSON", "hunter2hunter2", MySQL, `jdbcstyle: secret "s" AWSCURRENT: jdbcstyle: secret JSON: malformed JSON`},
		{"host with a port", `{"host":"db.example.com:3306","username":"u","password":"hunter2hunter2"}`, MySQL, "key host: holds a port"},
		{"host with white space", `{"host":"db.example.com ","username":"u","password":"hunter2hunter2"}`, Postgres, "key host: has white space"},
		{"RDS-managed without host", `{"username":"u","password":"hunter2hunter2"}`, MySQL, "add a host param"},
		{"engine mismatch", `{"engine":"postgres","host":"h","username":"u","password":"hunter2hunter2"}`, MySQL, "for engine postgres, not mysql"},
		{"unknown engine", `{"engine":"oracle","host":"h","username":"u","password":"hunter2hunter2","dbname":"x"}`, Postgres, "for engine oracle, not postgres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEnv(t, tt.secret)
			c, err := NewConnector(e.cache, tt.engine, e.id)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Connect(context.Background())
			var ce *ConnectError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a *ConnectError containing %q", err, tt.want)
			}
			checkNoPassword(t, err, "hunter2")
		})
	}
}

// TestDetourNotRetried checks that a route to a fallback that stops working
// (its password changed again, or it became AWSCURRENT) is tried once, and
// that the refused versions are not tried again: not AWSCURRENT, refused
// already, nor the fallback as a fallback.
func TestDetourNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		versions  []version // the first created, the others put in order
		accounts  map[string]string
		wantFirst []string // stages of the Connect that sets the detour
		// change runs between the two Connects: the database, and maybe
		// the secret, move on.
		change     func(t *testing.T, db *fakeDB, e *env)
		wantSecond []string
	}{
		{name: "pending password changed again",
			versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stagePending}}},
			accounts: map[string]string{"app": "p2"}, wantFirst: []string{stageCurrent, stagePending},
			change:     func(t *testing.T, db *fakeDB, _ *env) { db.setPassword("app", "p3") },
			wantSecond: []string{stagePending}},
		{name: "previous user's password changed",
			versions: []version{{"alt", "p1", nil}, {"alt_clone", "p2", nil}},
			accounts: map[string]string{"alt": "p1"}, wantFirst: []string{stageCurrent, stagePrevious},
			change:     func(t *testing.T, db *fakeDB, _ *env) { db.setPassword("alt", "p3") },
			wantSecond: []string{stagePrevious}},
		{name: "pending became AWSCURRENT, then changed again",
			versions: []version{{"app", "p1", nil}, {"app", "p2", []string{stagePending}}},
			accounts: map[string]string{"app": "p2"}, wantFirst: []string{stageCurrent, stagePending},
			change: func(t *testing.T, db *fakeDB, e *env) {
				e.moveCurrent(t, stagePending)
				db.setPassword("app", "p3")
			},
			// The cache still holds the old AWSCURRENT, so the route is
			// taken; the recovery then finds AWSCURRENT on the version the
			// route just had refused, and does not send it again.
			wantSecond: []string{stagePending}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Refreshes are not rate-limited, so that the second Connect
			// sees what change did to the secret.
			e := newFakeEnv(t, tt.versions[0].json(), func(c *secretcache.Cache) { c.MinRefreshInterval = time.Nanosecond })
			e.putVersions(t, tt.versions[1:])
			db := &fakeDB{accounts: tt.accounts}
			c, logins := e.fakeConnector(t, "", db)

			if _, err := c.Connect(context.Background()); err != nil {
				t.Fatalf("first Connect: got %v, want a connection", err)
			}
			if got := logins.take(); !slices.Equal(got, tt.wantFirst) {
				t.Fatalf("first Connect: got logins %v, want %v", got, tt.wantFirst)
			}
			tt.change(t, db, e)
			_, err := c.Connect(context.Background())
			if got := logins.take(); !slices.Equal(got, tt.wantSecond) {
				t.Errorf("second Connect: got logins %v, want %v", got, tt.wantSecond)
			}
			if !errors.As(err, new(*fakeAuthError)) {
				t.Errorf("second Connect: got %v, want the authentication error", err)
			}
		})
	}
}

// hookedClient runs before, once armed, ahead of the first GetSecretValue
// of stage: it lets a test change the secret at an exact point of a
// recovery.
type hookedClient struct {
	secretcache.SecretsManagerAPIClient
	stage  string
	mu     sync.Mutex
	before func() // guarded by mu; cleared once run
}

func (h *hookedClient) arm(stage string, before func()) {
	h.mu.Lock()
	h.stage, h.before = stage, before
	h.mu.Unlock()
}

func (h *hookedClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	h.mu.Lock()
	var f func()
	if h.before != nil && aws.ToString(in.VersionStage) == h.stage {
		f, h.before = h.before, nil
	}
	h.mu.Unlock()
	if f != nil {
		f()
	}
	return h.SecretsManagerAPIClient.GetSecretValue(ctx, in, opts...)
}

// newHookedEnv is newFakeEnv whose cache reads through a hookedClient,
// with forced refreshes not rate-limited.
func newHookedEnv(t *testing.T, value string) (*env, *hookedClient) {
	t.Helper()
	h := &hookedClient{}
	e := newFakeEnv(t, value, func(c *secretcache.Cache) {
		h.SecretsManagerAPIClient = c.Client
		c.Client = h
		c.MinRefreshInterval = time.Nanosecond
	})
	return e, h
}

// finishSecret moves AWSCURRENT to the version labelled AWSPENDING and
// takes AWSPENDING off it, as a rotation's last step does.
func (e *env) finishSecret(t *testing.T) {
	t.Helper()
	versions, err := e.sm.VersionStages(e.id)
	if err != nil {
		t.Error(err)
		return
	}
	var pending string
	for v, labels := range versions {
		if slices.Contains(labels, stagePending) {
			pending = v
		}
	}
	e.moveCurrent(t, stagePending)
	if _, err := e.sm.Client().UpdateSecretVersionStage(context.Background(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(e.id), VersionStage: aws.String(stagePending), RemoveFromVersionId: aws.String(pending),
	}); err != nil {
		t.Error(err)
	}
}

// TestRecoveryMeetsFinishSecret: finishSecret runs while a recovery reads
// the secret, after it read AWSCURRENT and before it read AWSPENDING, so
// that AWSPENDING is gone and AWSPREVIOUS is the version the recovery
// thought current. AWSCURRENT moved: the Connect logs in with it rather
// than fail.
func TestRecoveryMeetsFinishSecret(t *testing.T) {
	t.Parallel()
	e, h := newHookedEnv(t, fakeSecret("app", "p0"))
	e.cacheCurrent(t)
	e.putSecret(t, fakeSecret("app", "p1"), stagePending)
	c, logins := e.fakeConnector(t, "", &fakeDB{accounts: map[string]string{"app": "p1"}})
	h.arm(stagePending, func() { e.finishSecret(t) })

	conn, err := c.Connect(context.Background())
	if err != nil {
		t.Fatalf("got %v, want a connection with the version finishSecret made current", err)
	}
	conn.Close()
	if got := logins.take(); len(got) != 2 || got[1] != stageCurrent {
		t.Errorf("got logins %v, want AWSCURRENT twice", got)
	}
}

// TestBackToBackRotations: a second single-user rotation comes before the
// Connector saw the first one finish, so the cache refreshes AWSCURRENT to
// a version the database has refused already. The recovery's fallback
// stands in for that version, not only for the one the recovery started
// from: the next Connect uses it without another recovery.
func TestBackToBackRotations(t *testing.T) {
	t.Parallel()
	e, _ := newHookedEnv(t, fakeSecret("app", "p0"))
	e.cacheCurrent(t)
	db := &fakeDB{accounts: map[string]string{"app": "p1"}}
	c, logins := e.fakeConnector(t, "", db)
	e.putSecret(t, fakeSecret("app", "p1"), stagePending)
	if conn, err := c.Connect(context.Background()); err != nil {
		t.Fatalf("first rotation's window: %v", err)
	} else {
		conn.Close()
	}
	e.finishSecret(t)
	e.putSecret(t, fakeSecret("app", "p2"), stagePending)
	db.setPassword("app", "p2")
	logins.take()

	for i := range 3 {
		conn, err := c.Connect(context.Background())
		if err != nil {
			t.Fatalf("second rotation's window, Connect %d: %v", i, err)
		}
		conn.Close()
	}
	if got, want := logins.take(), []string{stagePending, stagePending, stagePending, stagePending}; !slices.Equal(got, want) {
		t.Errorf("got logins %v, want %v: the refused route once, then the new AWSPENDING", got, want)
	}
	if got := c.Stats().Recoveries; got != 2 {
		t.Errorf("got %d recoveries, want 2: one per rotation", got)
	}
}

// TestProbeAfterNetworkFailure: the login that tries a refused version
// again after its backoff fails for another reason than a refusal (the
// network, a deadline). Another Connect may try it later: the database
// may have been given the secret's password back meanwhile.
func TestProbeAfterNetworkFailure(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, fakeSecret("app", "p0"))
	db := &fakeDB{accounts: map[string]string{"app": "p9"}}
	c, logins := e.fakeConnector(t, "", db)
	if _, err := c.Connect(context.Background()); err == nil {
		t.Fatal("got a connection, want a refusal")
	}
	v0 := c.templates[0].Load().version
	due := func() {
		c.ladder.mu.Lock()
		c.ladder.refused[v0].retryAt = time.Now().Add(-time.Second)
		c.ladder.mu.Unlock()
	}
	due()
	db.mu.Lock()
	db.down = errors.New("fake: connection reset")
	db.mu.Unlock()
	logins.take()
	if _, err := c.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("probe during the outage: got %v, want the network error", err)
	}
	db.mu.Lock()
	db.down = nil
	db.mu.Unlock()
	db.setPassword("app", "p0")
	due()
	conn, err := c.Connect(context.Background())
	if err != nil {
		t.Fatalf("after the outage, with the password back: got %v, want the version tried again", err)
	}
	conn.Close()
	if got, want := logins.take(), []string{stageCurrent, stageCurrent}; !slices.Equal(got, want) {
		t.Errorf("got logins %v, want %v", got, want)
	}
}

// TestProbeOutlivesItsConnect: a Connect whose deadline passes after its
// probe of a refused version sent the credentials does not cut the probe
// off: it waits for the verdict, which is recorded. Meanwhile the version
// is being probed, and another Connect does not send the same credentials
// again.
func TestProbeOutlivesItsConnect(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, fakeSecret("app", "p0"))
	db := &fakeDB{accounts: map[string]string{"app": "p9"}}
	c, _ := e.fakeConnector(t, "", db)
	if _, err := c.Connect(context.Background()); err == nil {
		t.Fatal("got a connection, want a refusal")
	}
	v0 := c.templates[0].Load().version
	c.ladder.mu.Lock()
	c.ladder.refused[v0].retryAt = time.Now().Add(-time.Second)
	c.ladder.mu.Unlock()
	db.hold, db.sent = make(chan struct{}), make(chan struct{}, 8)
	sends := db.sends.Load()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	probed := make(chan error, 1)
	go func() {
		_, err := c.Connect(ctx)
		probed <- err
	}()
	<-db.sent
	<-ctx.Done() // the probe's Connect is past its deadline, its login held
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err := c.Connect(ctx2)
	cancel2()
	if err == nil {
		t.Error("a Connect while the probe runs: got a connection, want an error")
	}
	close(db.hold)
	err = <-probed
	if !errors.As(err, new(*fakeAuthError)) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the probe's Connect: got %v, want the refusal and its deadline", err)
	}
	if got := db.sends.Load() - sends; got != 1 {
		t.Errorf("%d logins sent the refused credentials, want 1: the probe", got)
	}
	if !c.ladder.isRefused(v0, time.Now()) {
		t.Error("the probe's refusal was not recorded")
	}
}
