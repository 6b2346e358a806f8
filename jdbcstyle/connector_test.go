package jdbcstyle

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"slices"
	"strconv"
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
