package jdbcstyle

import (
	"context"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/loginrelay"
)

// These tests play rotations in the shapes that TestRotationsUnderPool does
// not: back to back without waiting for the cache to catch up, with the
// steps taken as fast as a Lambda takes them (Connects starting at
// finishSecret), and with the alternating partner created by setSecret.
// Refused logins are counted at a relay.

// rotationShape says how playShaped plays its rotations.
type rotationShape struct {
	alternating bool
	// fast takes setSecret, testSecret and finishSecret one after the
	// other, without waiting for the workload between them.
	fast bool
	// createClone makes setSecret create the alternating partner, as
	// AWS's template does on the first rotation, instead of the test
	// creating it beforehand.
	createClone bool
	rotations   int
}

// playShaped plays s.rotations rotations under w, back to back: the next
// createSecret comes as soon as the workload has run a few queries after
// finishSecret, without waiting for the cache.
func playShaped(t *testing.T, e *env, relay *loginrelay.Relay, w *workload, s rotationShape) {
	t.Helper()
	// step lets the workload run queries and open new connections.
	step := func(queries int64, logins int) {
		w.advance(t, queries)
		awaitLogins(t, relay, logins)
	}
	step(200, 10)
	total := 0
	for i := range s.rotations {
		relay.Reset()
		r := e.startRotation(t, s.alternating)
		if !s.fast {
			step(50, 5)
		}
		if s.createClone && i == 0 {
			e.db.CreateUser(t, r.user, r.password)
		} else {
			r.setSecret(t)
		}
		if !s.fast {
			step(100, 10)
		}
		r.testSecret(t)
		r.finishSecret(t)
		step(100, 10)
		got := relay.Counts()
		// Rotations a fraction of a second apart can leave the cache two
		// versions behind the database: each version it missed may cost
		// the gate's 2 refused logins, before the Connector learns.
		if got.Total() > 4 {
			t.Errorf("rotation %d: the database refused %d logins (%v), want at most 4", i, got.Total(), got.Refused)
		}
		if n := got.Refused["4150"] + got.Refused["3955"]; n > 0 {
			t.Errorf("rotation %d: the account was blocked (%v)", i, got.Refused)
		}
		total += got.Total()
		t.Logf("rotation %d: refused %v, accepted %d", i, got.Refused, got.Accepted)
	}
	if total > 3*s.rotations {
		t.Errorf("%d rotations: the database refused %d logins, want at most %d", s.rotations, total, 3*s.rotations)
	}
}

// awaitLogins waits until the relay has seen n more logins accepted.
func awaitLogins(t *testing.T, relay *loginrelay.Relay, n int) {
	t.Helper()
	target := relay.Counts().Accepted + n
	deadline := time.Now().Add(time.Minute)
	for relay.Counts().Accepted < target {
		if time.Now().After(deadline) {
			t.Fatalf("the database let %d logins in within a minute, want %d", relay.Counts().Accepted, target)
		}
		time.Sleep(5 * time.Millisecond) // polling a counter, not waiting for state
	}
}

var rotationShapes = []struct {
	name  string
	shape rotationShape
}{
	{"single user back to back", rotationShape{rotations: 4}},
	{"single user fast steps", rotationShape{fast: true, rotations: 4}},
	{"alternating back to back", rotationShape{alternating: true, rotations: 4}},
	{"alternating fast, clone made by setSecret", rotationShape{alternating: true, fast: true, createClone: true, rotations: 4}},
}

// TestRotationShapes runs rotationShapes under a sql.DB of 50 goroutines
// whose connections live 200ms, on both engines.
func TestRotationShapes(t *testing.T) {
	t.Parallel()
	for _, tt := range rotationShapes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				relay := e.viaRelay(t)
				user, c, _ := e.userConnector(t, "shape", "")
				if tt.shape.alternating && !tt.shape.createClone {
					e.db.CreateUser(t, user+"_clone", randomPassword(t))
				}
				db := e.openDB(t, c)
				db.SetMaxIdleConns(50)
				db.SetConnMaxLifetime(200 * time.Millisecond)
				w := runWorkload(t, 50, func(ctx context.Context) (string, error) { return e.whoami(ctx, db) })
				playShaped(t, e, relay, w, tt.shape)
				w.check(t, user, user+"_clone")
			})
		})
	}
}

// TestPgxPoolRotationShapes is TestRotationShapes with a pgxpool.Pool.
func TestPgxPoolRotationShapes(t *testing.T) {
	t.Parallel()
	for _, tt := range rotationShapes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Postgres)
			relay := e.viaRelay(t)
			user, pw := e.newUser(t, "pgxshape")
			e.createSecret(t, e.secretJSON(t, user, pw))
			if tt.shape.alternating && !tt.shape.createClone {
				e.db.CreateUser(t, user+"_clone", randomPassword(t))
			}
			pool := e.pgxPool(t, "pool_max_conns=50&pool_max_conn_lifetime=200ms&pool_max_conn_lifetime_jitter=0s")
			w := runWorkload(t, 50, func(ctx context.Context) (string, error) { return pgxWhoami(ctx, pool) })
			playShaped(t, e, relay, w, tt.shape)
			w.check(t, user, user+"_clone")
		})
	}
}

// TestBurstAtFinishSecret: 30 Connects start while finishSecret runs, in
// a single-user rotation whose setSecret no Connect has seen yet, so that
// their recovery reads the secret while its labels move. All get in, at
// most 2 logins refused.
func TestBurstAtFinishSecret(t *testing.T) {
	t.Parallel()
	for _, route := range []bool{false, true} {
		name := "no connect since setSecret"
		if route {
			name = "a fallback in use"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			forEachEngine(t, func(t *testing.T, e *env) {
				ctx := testContext(t)
				relay := e.viaRelay(t)
				_, c, _ := e.userConnector(t, "atfinish", "")
				warmUp(ctx, t, c)
				for i := range 3 {
					relay.Reset()
					r := e.startRotation(t, false)
					r.setSecret(t)
					if route {
						if failed, err := burst(ctx, c, 5); failed > 0 {
							t.Fatalf("rotation %d, in the window: %v", i, err)
						}
					}
					done := make(chan struct{})
					go func() {
						defer close(done)
						r.finishSecret(t)
					}()
					failed, err := burst(ctx, c, 30)
					<-done
					if failed > 0 {
						t.Errorf("rotation %d: %d of 30 Connects failed; the first: %v", i, failed, err)
					}
					if got := relay.Counts(); got.Total() > 2 {
						t.Errorf("rotation %d: the database refused %d logins (%v), want at most 2", i, got.Total(), got.Refused)
					}
				}
			})
		})
	}
}
