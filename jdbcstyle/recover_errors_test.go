package jdbcstyle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// TestContextEndsAfterRefusal checks that when the Connect's context ends
// between the ladder's steps, the error still holds the driver's refusal
// (errors.As) beside the context's error (errors.Is), and that no recovery
// logs in for the Connect that gave up.
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
		// A context of a type of its own: those derived from it learn
		// that it ended from a goroutine, later than its caller does.
		{"cancelled, a context type of its own", func() (context.Context, func(), func()) {
			ctx := &ownContext{Context: context.Background(), done: make(chan struct{})}
			return ctx, ctx.cancel, ctx.cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEnv(t, fakeSecret("app", "p1"))
			e.putSecret(t, fakeSecret("app", "p2"), stagePending)
			c, logins := e.fakeConnector(t, "", &fakeDB{accounts: map[string]string{"app": "p3"}})
			ctx, end, cleanup := tt.scene()
			defer cleanup()
			c.onLogin = func(stage string) {
				logins.add(stage)
				end()
			}

			_, err := c.Connect(ctx)
			// Close waits for the work the Connector runs in the
			// background: a recovery started for this Connect would have
			// logged in by then.
			c.Close()
			if got, want := logins.take(), []string{stageCurrent}; !slices.Equal(got, want) {
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

// ownContext is a context that is not one of the context package's, ended
// by cancel.
type ownContext struct {
	context.Context
	once sync.Once
	done chan struct{}
}

func (c *ownContext) Done() <-chan struct{} { return c.done }

func (c *ownContext) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func (c *ownContext) cancel() { c.once.Do(func() { close(c.done) }) }

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
			e := newFakeEnv(t, fakeSecret("app", "p1"))
			e.cacheCurrent(t)
			if tt.pending != "" {
				e.putSecret(t, tt.pending, stagePending)
			}
			if tt.fault != 0 {
				e.sm.InjectFault("GetSecretValue", secretsmanagertest.Fault{Kind: tt.fault})
			}
			c, _ := e.fakeConnector(t, "", &fakeDB{accounts: map[string]string{"app": "p3"}})

			_, err := c.Connect(context.Background())
			var ce *ConnectError
			if !errors.As(err, &ce) || !errors.As(err, new(*fakeAuthError)) {
				t.Fatalf("got %v, want a *ConnectError with the refusal reachable", err)
			}
			checkNoPassword(t, err, "p1", "p2")
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

// TestCloseForgets checks that Close drops what the Connector learned and
// built: the route to a fallback and the templates of the versions.
func TestCloseForgets(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, fakeSecret("app", "p1"))
	e.putSecret(t, fakeSecret("app", "p2"), stagePending)
	c, _ := e.fakeConnector(t, "", &fakeDB{accounts: map[string]string{"app": "p2"}})
	if _, err := c.Connect(context.Background()); err != nil {
		t.Fatalf("Connect: got %v, want AWSPENDING to work", err)
	}
	c.ladder.mu.Lock()
	hasRoute := c.ladder.route != nil
	c.ladder.mu.Unlock()
	if !hasRoute {
		t.Fatal("got no route after AWSPENDING let a Connect in, want one")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c.ladder.mu.Lock()
	defer c.ladder.mu.Unlock()
	if c.ladder.route != nil || c.ladder.refused != nil || c.ladder.anyRefused.Load() {
		t.Errorf("after Close: got a route or refusals, want none")
	}
	for i := range c.templates {
		if c.templates[i].Load() != nil {
			t.Errorf("after Close: got a template in templates[%d], want none", i)
		}
	}
}

// TestSecretsManagerFaultsDuringRecovery: Secrets Manager throttles or
// fails while 30 Connects in a single-user rotation window need it to find
// AWSPENDING, through a client without retries. A fault that passes within
// a retry costs nothing; one that lasts fails the Connects without more refused logins than the gate
// allows, and the first Connect after it clears gets in.
func TestSecretsManagerFaultsDuringRecovery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault secretsmanagertest.Fault
		fails bool // the Connects during the fault fail
	}{
		{"throttling, transient", secretsmanagertest.Fault{Kind: secretsmanagertest.Throttling, Count: 3}, false},
		{"500s, transient", secretsmanagertest.Fault{Kind: secretsmanagertest.InternalError, Count: 3}, false},
		{"throttling that lasts", secretsmanagertest.Fault{Kind: secretsmanagertest.Throttling}, true},
		{"500s that last", secretsmanagertest.Fault{Kind: secretsmanagertest.InternalError}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				ctx := testContext(t)
				c, relay := inRotationWindow(ctx, t, e, "smfault")
				e.sm.InjectFault("GetSecretValue", tt.fault)

				failed, err := burst(ctx, c, 30)
				switch {
				case tt.fails && failed == 0:
					t.Errorf("all 30 Connects got in while Secrets Manager failed")
				case !tt.fails && failed > 0:
					t.Errorf("%d of 30 Connects failed; the first: %v", failed, err)
				}
				if err != nil {
					var ce *ConnectError
					if !errors.As(err, &ce) || !e.db.IsAuthError(err) {
						t.Errorf("got %v, want a ConnectError with the refusal reachable", err)
					}
				}
				if got := relay.Counts(); got.Total() > 2 {
					t.Errorf("the database refused %d logins (%v), want at most 2", got.Total(), got.Refused)
				}
				e.sm.ClearFaults()
				if failed, err := burst(ctx, c, 1); failed > 0 {
					t.Errorf("first Connect after the fault cleared: %v", err)
				}
				if got := relay.Counts(); got.Total() > 2 {
					t.Errorf("in all, the database refused %d logins (%v), want at most 2", got.Total(), got.Refused)
				}
			})
		})
	}
}
