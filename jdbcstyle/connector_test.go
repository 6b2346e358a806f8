package jdbcstyle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWrongPasswordRejected(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		user, _ := e.newUser(t, "wrong")
		db, err := sql.Open(e.db.DriverName(), e.db.DSN(user, "not-the-password"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.PingContext(testContext(t)); !e.db.IsAuthError(err) {
			t.Fatalf("plain driver with a wrong password: got %v, want an authentication error", err)
		}
	})
}

func TestConnectAndQuery(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := testContext(t)
		user, db, logins := e.userDB(t, "plain")
		for i := 0; i < 3; i++ {
			got, err := e.whoami(ctx, db)
			if err != nil || got != user {
				t.Fatalf("query %d: got %q, %v, want %q", i, got, err, user)
			}
		}
		if got := logins.take(); !slices.Equal(got, []string{"AWSCURRENT", "AWSCURRENT", "AWSCURRENT"}) {
			t.Errorf("got logins %v, want three with AWSCURRENT", got)
		}
		if got := e.sm.Calls("GetSecretValue"); got != 1 {
			t.Errorf("got %d GetSecretValue calls, want 1 (cached)", got)
		}
	})
}

func TestConnectorClose(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		_, c, _ := e.userConnector(t, "close", "")
		conn, err := c.Connect(testContext(t))
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		defer conn.Close()
		for i := 0; i < 2; i++ {
			if err := c.Close(); err != nil {
				t.Fatalf("Close %d: got %v, want nil", i, err)
			}
		}
		if _, err := c.Connect(testContext(t)); !errors.Is(err, ErrClosed) {
			t.Errorf("Connect after Close: got %v, want ErrClosed", err)
		}
		if _, err := e.cache.GetSecretString(e.id); err != nil {
			t.Errorf("cache after Close: got %v, want it still open", err)
		}
	})
}

// blackhole accepts TCP connections and never answers, so that a login
// to it waits until its context ends. Each accept is signalled on accepted.
func blackhole(t *testing.T) (port int, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port, ch
}

func TestConnectContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run sets the scene and returns the DSN params, the context for
		// Connect, and the error Connect must match with errors.Is.
		run func(t *testing.T, e *env) (params string, ctx context.Context, want error)
	}{
		{"cancelled during login", func(t *testing.T, e *env) (string, context.Context, error) {
			port, accepted := blackhole(t)
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go func() {
				select {
				case <-accepted:
					cancel()
				case <-ctx.Done(): // the test ended without a login
				}
			}()
			return "?host=127.0.0.1&port=" + strconv.Itoa(port), ctx, context.Canceled
		}},
		{"loginTimeout during login", func(t *testing.T, e *env) (string, context.Context, error) {
			port, _ := blackhole(t)
			return "?host=127.0.0.1&port=" + strconv.Itoa(port) + "&loginTimeout=200ms", context.Background(), context.DeadlineExceeded
		}},
		{"cancelled reading the secret", func(t *testing.T, e *env) (string, context.Context, error) {
			e.sm.SetLatency("GetSecretValue", time.Minute)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			t.Cleanup(cancel)
			return "", ctx, context.DeadlineExceeded
		}},
		{"already cancelled", func(t *testing.T, e *env) (string, context.Context, error) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return "", ctx, context.Canceled
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				params, ctx, want := tt.run(t, e)
				_, c, logins := e.userConnector(t, "ctx", params)
				start := time.Now()
				conn, err := c.Connect(ctx)
				if err == nil {
					conn.Close()
					t.Fatal("Connect: got a connection, want an error")
				}
				if !errors.Is(err, want) {
					t.Errorf("got %v, want errors.Is %v", err, want)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("Connect returned after %v, want promptly", d)
				}
				if got := logins.take(); len(got) > 1 {
					t.Errorf("got logins %v, want at most one: a cancelled login is not retried", got)
				}
			})
		})
	}
}

// slowRecoveryEnv is a fake env in a single-user rotation window whose
// Secrets Manager answers in d: Connects are refused AWSCURRENT and wait
// for a recovery that waits for Secrets Manager.
func slowRecoveryEnv(t *testing.T, d time.Duration) (*env, *fakeDB, *Connector) {
	t.Helper()
	e := newFakeEnv(t, fakeSecret("app", "p0"))
	e.cacheCurrent(t)
	e.putSecret(t, fakeSecret("app", "p1"), stagePending)
	db := &fakeDB{accounts: map[string]string{"app": "p1"}}
	c, _ := e.fakeConnector(t, "", db)
	e.sm.SetLatency("GetSecretValue", d)
	return e, db, c
}

// awaitRecovery waits until c has started a recovery, failing t after 10s.
func awaitRecovery(t *testing.T, c *Connector) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Stats().Recoveries == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no recovery started")
		}
		time.Sleep(time.Millisecond) // polling a counter
	}
}

// TestCloseDuringRecovery: Close while a recovery waits for Secrets
// Manager and Connects wait for it returns at once, the Connects fail
// promptly, and no goroutine of the Connector is left.
func TestCloseDuringRecovery(t *testing.T) {
	// Not parallel: it counts goroutines.
	_, db, c := slowRecoveryEnv(t, time.Minute)
	errs := make(chan error, 10)
	for range 10 {
		go func() {
			conn, err := c.Connect(context.Background())
			if err == nil {
				conn.Close()
			}
			errs <- err
		}()
	}
	awaitRecovery(t, c)
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v, want it to stop the recovery at once", d)
	}
	for range 10 {
		select {
		case err := <-errs:
			if err == nil {
				t.Error("a Connect got a connection from a closed Connector")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a Connect still waits 10s after Close")
		}
	}
	checkNoOwnGoroutines(t)
	if n := db.open.Load(); n != 0 {
		t.Errorf("%d connections left open", n)
	}
	if _, err := c.Connect(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Connect after Close: got %v, want ErrClosed", err)
	}
}

// TestCancelDuringRecovery: a Connect whose context ends while the
// recovery it started waits for Secrets Manager returns at once; the
// recovery goes on for the others, and the connection it opens for the
// Connect that gave up is closed.
func TestCancelDuringRecovery(t *testing.T) {
	// Not parallel: it counts goroutines.
	e, db, c := slowRecoveryEnv(t, 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Connect(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's error", err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("Connect returned after %v, want it to stop waiting at its deadline", d)
	}
	// A second Connect meanwhile waits for the same recovery and gets in.
	conn, err := c.Connect(context.Background())
	if err != nil {
		t.Fatalf("a Connect waiting for the recovery: %v", err)
	}
	conn.Close()
	e.sm.SetLatency("GetSecretValue", 0)
	deadline := time.Now().Add(10 * time.Second)
	for db.open.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections left open: the one for the Connect that gave up was not closed", db.open.Load())
		}
		time.Sleep(time.Millisecond) // polling a counter
	}
	if got := c.Stats().Recoveries; got != 1 {
		t.Errorf("got %d recoveries, want 1", got)
	}
	c.Close()
	checkNoOwnGoroutines(t)
}

// TestCloseSharedRecovery: Connectors of the same cache and DSN share one
// recovery; when the Connector that runs it is closed, the Connects of the
// others run their own instead of failing.
func TestCloseSharedRecovery(t *testing.T) {
	t.Parallel()
	e, db, a := slowRecoveryEnv(t, 300*time.Millisecond)
	b, _ := e.fakeConnector(t, "", db)
	if a.acct != b.acct {
		t.Fatal("two Connectors of one cache and DSN do not share their account")
	}
	aErr := make(chan error, 1)
	go func() {
		_, err := a.Connect(context.Background())
		aErr <- err
	}()
	awaitRecovery(t, a)
	bConn := make(chan error, 1)
	go func() {
		conn, err := b.Connect(context.Background())
		if err == nil {
			conn.Close()
		}
		bConn <- err
	}()
	a.Close()
	if err := <-aErr; err == nil {
		t.Error("the closed Connector's Connect got a connection")
	}
	if err := <-bConn; err != nil {
		t.Errorf("the other Connector's Connect: got %v, want a connection", err)
	}
	if got := b.Stats().Recoveries; got != 1 {
		t.Errorf("the other Connector ran %d recoveries, want 1 of its own", got)
	}
}

// TestHostileDSNs feeds DSNs with secrets in their params, repeated and
// malformed params to NewConnector and, when it accepts them, to Connect
// against a real server: no error shows a value the DSN carried, nor a
// driver's connection string.
func TestHostileDSNs(t *testing.T) {
	t.Parallel()
	const mark = "Mark7f3q"
	tests := []string{
		"sslpassword=" + mark + "1&sslmode=bogus",
		"sslpassword=" + mark + "1&sslkey=/nonexistent/" + mark + "2&sslcert=/nonexistent/" + mark + "3&sslmode=require",
		"sslpassword=" + mark + "1&sslpassword=" + mark + "2",
		"sslpassword=" + mark + "1",
		"sslmode=disable&SSLMODE=verify-full",
		"password=" + mark + "1", "PassWord=" + mark + "1", "pass%77ord=" + mark + "1", "user=" + mark + "1", "passwd=" + mark + "1",
		"tls=" + mark + "1", "tls=true&tls=false",
		"host=" + mark + "1:5432", "host=" + mark + "%C2%A0", "port=" + mark + "1",
		"connect_timeout=" + mark + "1", "options=-c%20password%3D" + mark + "1",
		"%zz=" + mark + "1", "x=%zz" + mark + "1", "service=" + mark + "1", "passfile=/nonexistent/" + mark + "1",
		"target_session_attrs=" + mark + "1", "loc=" + mark + "1", "timeout=" + mark + "1",
		"application_name=" + mark + "1&application_name=" + mark + "2",
	}
	forEachEngine(t, func(t *testing.T, e *env) {
		user, pw := e.newUser(t, "hostile")
		e.createSecret(t, e.secretJSON(t, user, pw))
		check := func(t *testing.T, what string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(text, mark) || strings.Contains(text, pw) ||
					strings.Contains(text, "postgres://") || strings.Contains(text, "tcp(") {
					t.Errorf("%s: the error shows the DSN or a password: %s", what, text)
				}
			}
		}
		for _, params := range tests {
			c, err := NewConnector(e.cache, e.engine, e.dsn(params))
			check(t, "NewConnector("+params+")", err)
			if err != nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			conn, err := c.Connect(ctx)
			cancel()
			check(t, "Connect("+params+")", err)
			if err == nil {
				conn.Close()
			}
			c.Close()
		}
	})
}
