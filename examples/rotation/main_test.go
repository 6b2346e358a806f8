package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/examples/internal/dbdemo"
	"github.com/secretcache/secretcache-go/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// maxCallsPerRotation bounds the GetSecretValue calls of a rotation phase:
// the Connector's refreshes are shared and rate-limited, and the short demo
// TTL adds a background refresh or two.
const maxCallsPerRotation = 10

func TestRotation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		server func(testing.TB) *testdb.Server
		users  string // counts the users named $1 (and $2)
	}{
		{"mysql", testdb.MySQL, "SELECT COUNT(*) FROM mysql.user WHERE user IN (?, ?)"},
		{"postgres", testdb.Postgres, "SELECT COUNT(*) FROM pg_roles WHERE rolname IN ($1, $2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.server(t)
			admin := s.AdminDB(t)
			eng, err := engineNamed(s.Engine)
			if err != nil {
				t.Fatal(err)
			}
			opts := defaultOptions()
			opts.engine = s.Engine
			opts.admin = dbdemo.Admin{DB: admin, Addr: dbdemo.Addr{Host: s.Host, Port: s.Port, Database: s.Database()}}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			var out bytes.Buffer
			f, err := tell(ctx, &out, eng, opts)
			t.Logf("output:\n%s", &out)
			if err != nil {
				t.Fatalf("tell: %v", err)
			}
			checkPhases(t, f)
			for _, want := range []string{
				"rotation function, setSecret: set the AWSPENDING password (user=" + f.user + ", loggedInWith=AWSCURRENT)",
				"rotation function, setSecret: set the AWSPENDING user's password with the masterarn credentials (user=" + f.clone + ", created=true)",
				"rotation function, finishSecret: moved AWSCURRENT to the new version",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the output does not show the rotation function's %q", want)
				}
			}
			if f.windowOpened == 0 {
				t.Error("no connection was opened between setSecret and finishSecret, so the window was not exercised")
			}
			if strings.Contains(out.String(), "warning:") {
				t.Error("the server accepts a wrong password: the story proves nothing")
			}
			for _, pw := range f.passwords {
				if strings.Contains(out.String(), pw) {
					t.Error("output shows a password")
				}
			}

			var left int
			if err := admin.QueryRowContext(ctx, tt.users, f.user, f.clone).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != 0 {
				t.Errorf("%d demo user accounts left after the run, want 0", left)
			}
		})
	}
}

// checkPhases checks the facts of the three phases.
func checkPhases(t *testing.T, f facts) {
	t.Helper()
	if len(f.phases) != 3 {
		t.Fatalf("got %d phases, want 3", len(f.phases))
	}
	if f.firstErr != nil {
		t.Errorf("the workload's first error: %v", f.firstErr)
	}
	for i, p := range f.phases {
		if p.errors != 0 {
			t.Errorf("%s: %d errors, want 0", p.name, p.errors)
		}
		if p.failed != 0 {
			t.Errorf("%s: %d failed Connects, want 0", p.name, p.failed)
		}
		if p.queries == 0 || p.opened == 0 {
			t.Errorf("%s: %d queries served on %d new connections, want some of both", p.name, p.queries, p.opened)
		}
		if i > 0 && p.calls > maxCallsPerRotation {
			t.Errorf("%s: %d GetSecretValue calls, want at most %d", p.name, p.calls, maxCallsPerRotation)
		}
	}
	steady, single, alternating := f.phases[0], f.phases[1], f.phases[2]
	// One load, and perhaps one background refresh if the phase outlasted
	// the demo TTL's lower bound.
	if steady.calls < 1 || steady.calls > 2 {
		t.Errorf("%s: %d GetSecretValue calls for %d connections, want 1 or 2", steady.name, steady.calls, steady.opened)
	}
	if steady.refused() != 0 || alternating.refused() != 0 {
		t.Errorf("refused logins: %s %d, %s %d; want 0 in both", steady.name, steady.refused(), alternating.name, alternating.refused())
	}
	if single.refused() == 0 {
		t.Errorf("%s: no login refused, want some: the database must refuse the old password", single.name)
	}
	if alternating.byUser[f.clone] == 0 {
		t.Errorf("%s: served as %v, want %s among them", alternating.name, alternating.byUser, f.clone)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(*options){
		"engine":   func(o *options) { o.engine = "oracle" },
		"workers":  func(o *options) { o.workers = 0 },
		"lifetime": func(o *options) { o.lifetime = 0 },
		"ttl":      func(o *options) { o.ttl = -time.Second },
	} {
		opts := defaultOptions()
		change(&opts)
		if err := run(context.Background(), new(bytes.Buffer), opts); err == nil {
			t.Errorf("%s: run = nil, want an error", name)
		}
	}
}
