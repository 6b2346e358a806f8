package rotation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// steps is the order of a rotation's invocations.
var steps = []Step{CreateSecret, SetSecret, TestSecret, FinishSecret}

// wantTables is, per scheme, what AWSCURRENT / AWSPENDING / AWSPREVIOUS do
// at each point of a first and a second rotation (✓ logs in, ✗ refused,
// – no value): the table of the rotation's specification.
var wantTables = map[Scheme]map[string]string{
	SingleUser: {
		"1 before createSecret": "✓ – –",
		"1 after createSecret":  "✓ ✗ –",
		"1 after setSecret":     "✗ ✓ –",
		"1 after testSecret":    "✗ ✓ –",
		"1 after finishSecret":  "✓ ✓ ✗",
		"2 after setSecret":     "✗ ✓ ✗",
		"2 after finishSecret":  "✓ ✓ ✗",
	},
	AlternatingUsers: {
		"1 before createSecret": "✓ – –",
		"1 after createSecret":  "✓ ✗ –", // no clone yet
		"1 after setSecret":     "✓ ✓ –", // clone created
		"1 after testSecret":    "✓ ✓ –",
		"1 after finishSecret":  "✓ ✓ ✓",
		"2 after setSecret":     "✓ ✓ ✗", // the first user's old password
		"2 after finishSecret":  "✓ ✓ ✓",
	},
}

// gate is a wrap that stops before and after each step until the test
// resumes it.
type gate struct {
	events chan string
	resume chan struct{}
}

func newGate() *gate { return &gate{events: make(chan string), resume: make(chan struct{})} }

func (g *gate) wrap(ctx context.Context, ev Event, run func() error) error {
	if err := g.stop(ctx, "before "+string(ev.Step)); err != nil {
		return err
	}
	err := run()
	if err2 := g.stop(ctx, "after "+string(ev.Step)); err2 != nil {
		return err2
	}
	return err
}

func (g *gate) stop(ctx context.Context, point string) error {
	select {
	case g.events <- point:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-g.resume:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next waits for the rotation to reach want.
func (g *gate) next(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-g.events:
		if got != want {
			t.Fatalf("rotation reached %q, want %q", got, want)
		}
	case <-time.After(time.Minute):
		t.Fatalf("rotation did not reach %q within a minute", want)
	}
}

// TestRotationStepByStep drives two rotations through RotateSecret,
// stopping around each step to check which versions log in.
func TestRotationStepByStep(t *testing.T) {
	t.Parallel()
	for _, c := range append(dbCases, tlsCases()...) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c)
			firstUser, firstPassword, _ := e.version(StageCurrent)
			g := newGate()
			e.setWrap(g.wrap)
			want := wantTables[c.scheme]
			var tokens []string
			for round := 1; round <= 2; round++ {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				token, err := e.start(ctx)
				if err != nil {
					t.Fatalf("RotateSecret: %v", err)
				}
				tokens = append(tokens, token)
				for _, step := range steps {
					for _, when := range []string{"before", "after"} {
						point := when + " " + string(step)
						g.next(t, point)
						if w, ok := want[fmt.Sprint(round, " ", point)]; ok {
							if got := e.table(); got != w {
								t.Errorf("rotation %d, %s: C P PREVIOUS = %s, want %s", round, point, got, w)
							}
						}
						g.resume <- struct{}{}
					}
				}
				if err := e.sm.WaitRotation(ctx, e.arn); err != nil {
					t.Fatalf("rotation %d: %v", round, err)
				}
			}
			e.checkLabels(map[string][]string{tokens[1]: {StageCurrent, StagePending}, tokens[0]: {StagePrevious}})
			if c.scheme == SingleUser {
				if e.logsIn(firstUser, firstPassword) {
					t.Error("the first password still logs in after two rotations")
				}
				return
			}
			cur, _, _ := e.version(StageCurrent)
			prev, _, _ := e.version(StagePrevious)
			if cur != e.user || prev != e.clone {
				t.Errorf("AWSCURRENT is %s and AWSPREVIOUS %s, want %s and %s", cur, prev, e.user, e.clone)
			}
			e.checkClone()
		})
	}
}

// checkLabels checks the labels of the versions want names.
func (e *dbEnv) checkLabels(want map[string][]string) {
	e.t.Helper()
	got, err := e.sm.VersionStages(e.arn)
	if err != nil {
		e.t.Fatal(err)
	}
	for id, labels := range want {
		have := slices.Clone(got[id])
		slices.Sort(have)
		slices.Sort(labels)
		if !slices.Equal(have, labels) {
			e.t.Errorf("version %s has labels %v, want %v", id, have, labels)
		}
	}
}

// checkClone checks that the clone has the first user's rights: on MySQL
// the same grant lines at every host, on PostgreSQL LOGIN and membership
// of the first user's role; and that it reads a table the first user made.
func (e *dbEnv) checkClone() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if e.srv.Engine == testdb.EngineMySQL {
		for _, host := range []string{"%", "localhost", "127.0.0.1"} {
			user, clone := e.grants(ctx, e.user, host), e.grants(ctx, e.clone, host)
			if len(user) < 2 || !slices.Equal(user, clone) {
				e.t.Errorf("grants at %s: first user %q, clone %q; want the same lines", host, user, clone)
			}
			var userTLS, cloneTLS string
			q := "SELECT ssl_type FROM mysql.user WHERE User = ? AND Host = ?"
			if err := e.admin.QueryRowContext(ctx, q, e.user, host).Scan(&userTLS); err != nil {
				e.t.Fatal(err)
			}
			if err := e.admin.QueryRowContext(ctx, q, e.clone, host).Scan(&cloneTLS); err != nil || cloneTLS != userTLS {
				e.t.Errorf("TLS requirement at %s: first user %q, clone %q (%v); want the same", host, userTLS, cloneTLS, err)
			}
		}
	} else {
		var login, member bool
		err := e.admin.QueryRowContext(ctx, `SELECT r.rolcanlogin, pg_has_role(r.oid, $2, 'MEMBER')
			FROM pg_roles r WHERE r.rolname = $1`, e.clone, e.user).Scan(&login, &member)
		if err != nil || !login || !member {
			e.t.Errorf("clone: LOGIN %v, member of the first user's role %v, error %v; want true, true", login, member, err)
		}
	}
}

// grants returns SHOW GRANTS FOR user@host, with the grantee and the
// password hash taken out, sorted.
func (e *dbEnv) grants(ctx context.Context, user, host string) []string {
	e.t.Helper()
	rows, err := e.admin.QueryContext(ctx, "SHOW GRANTS FOR ?@?", user, host)
	if err != nil {
		e.t.Fatalf("SHOW GRANTS FOR %s@%s: %v", user, host, err)
	}
	defer rows.Close()
	hash := regexp.MustCompile(` IDENTIFIED BY PASSWORD '[^']*'`)
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			e.t.Fatal(err)
		}
		line = strings.ReplaceAll(line, "`"+strings.ReplaceAll(user, "`", "``")+"`@`"+host+"`", "<grantee>")
		lines = append(lines, hash.ReplaceAllString(line, ""))
	}
	slices.Sort(lines)
	return lines
}

// TestEachStepTwice runs every step a second time right after it ran and
// checks that the second run changed nothing: no value put, no label
// moved, and in setSecret no login but those that find AWSPENDING working.
func TestEachStepTwice(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c)
			var failures atomic.Int32
			e.setWrap(func(ctx context.Context, ev Event, run func() error) error {
				if err := run(); err != nil {
					return err
				}
				before := e.counts()
				err := run()
				after := e.counts()
				want := before
				switch {
				case ev.Step == SetSecret && c.scheme == SingleUser:
					want.dials += 2 // AWSCURRENT's login, refused, then AWSPENDING's
				case ev.Step == SetSecret, ev.Step == TestSecret:
					want.dials++ // AWSPENDING's login
				}
				if err != nil || after != want {
					failures.Add(1)
					t.Errorf("%s again: %v, counts %+v -> %+v, want %+v", ev.Step, err, before, after, want)
				}
				return err
			})
			for range 2 {
				if _, err := e.rotate(); err != nil {
					t.Fatalf("rotation: %v", err)
				}
			}
			if got, want := e.table(), wantTables[c.scheme]["2 after finishSecret"]; got != want {
				t.Errorf("after two rotations: %s, want %s", got, want)
			}
		})
	}
}

// counts are what a step may change.
type counts struct{ puts, moves, dials int64 }

func (e *dbEnv) counts() counts {
	return counts{int64(e.sm.Calls("PutSecretValue")), int64(e.sm.Calls("UpdateSecretVersionStage")), e.dials.Load()}
}

// TestInterruptedRotationCompletes fails the first attempt of a rotation
// right after each step succeeded, as a Lambda killed after its work; the
// service's retry with the same token completes the rotation.
func TestInterruptedRotationCompletes(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		for _, after := range steps {
			t.Run(c.name+"/after "+string(after), func(t *testing.T) {
				t.Parallel()
				e := newDBEnv(t, c)
				var creates atomic.Int32
				e.setWrap(func(ctx context.Context, ev Event, run func() error) error {
					if ev.Step == CreateSecret {
						creates.Add(1)
					}
					err := run()
					if err == nil && ev.Step == after && creates.Load() == 1 {
						return errors.New("interrupted")
					}
					return err
				})
				token, err := e.rotate()
				if err != nil {
					t.Fatalf("rotation: %v", err)
				}
				if n := creates.Load(); n != 2 {
					t.Errorf("the rotation ran %d times, want 2 (one retry)", n)
				}
				if got, want := e.table(), wantTables[c.scheme]["1 after finishSecret"]; got != want {
					t.Errorf("after the rotation: %s, want %s", got, want)
				}
				e.checkLabels(map[string][]string{token: {StageCurrent, StagePending}})
			})
		}
	}
}

// TestRotateImmediatelyFalse checks the configuration test Secrets Manager
// runs for RotateSecret with RotateImmediately=false: testSecret alone, on
// a copy of AWSCURRENT, which must pass and change nothing.
func TestRotateImmediatelyFalse(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c)
			var ran []Step
			e.setWrap(func(ctx context.Context, ev Event, run func() error) error {
				ran = append(ran, ev.Step)
				return run()
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			before, err := e.sm.VersionStages(e.arn)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.sm.Client().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(e.arn), RotateImmediately: aws.Bool(false)})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.sm.WaitRotation(ctx, e.arn); err != nil {
				t.Fatalf("configuration test: %v", err)
			}
			if !slices.Equal(ran, []Step{TestSecret}) {
				t.Errorf("steps run: %v, want testSecret alone", ran)
			}
			after, _ := e.sm.VersionStages(e.arn)
			if fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("versions %v after the test, want %v", after, before)
			}
			if got := e.table(); got != "✓ – –" {
				t.Errorf("after the test: %s, want ✓ – –", got)
			}
		})
	}
}

// TestLoginsPerRotation counts the logins of a rotation after the first:
// a single user's rotation logs in twice (setSecret as AWSCURRENT,
// testSecret as AWSPENDING) and is refused nothing; alternating users log
// in four times, of which the AWSPENDING check of setSecret is refused, as
// in AWS's templates (which spend that refused login on a single user's
// rotation too).
func TestLoginsPerRotation(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c)
			for round := 1; round <= 3; round++ {
				before := e.dials.Load()
				if _, err := e.rotate(); err != nil {
					t.Fatalf("rotation %d: %v", round, err)
				}
				want := map[Scheme]int64{SingleUser: 2, AlternatingUsers: 4}[c.scheme]
				if got := e.dials.Load() - before; got != want && round > 1 {
					t.Errorf("rotation %d: %d logins, want %d", round, got, want)
				}
			}
		})
	}
}
