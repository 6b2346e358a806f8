package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestFailingSetSecretKeepsCurrent breaks the connection that sends the
// statement changing the database, so that setSecret fails half-way; the
// rotation is left pending with AWSCURRENT working, and a retry of the same
// rotation completes it.
func TestFailingSetSecretKeepsCurrent(t *testing.T) {
	t.Parallel()
	breakOn := map[string]string{
		"mysql/single-user":          "SET PASSWORD",
		"mysql/alternating-users":    "GRANT", // after CREATE USER: the clone exists without its grants
		"postgres/single-user":       "ALTER ROLE",
		"postgres/alternating-users": "GRANT", // inside the transaction that creates the clone
	}
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c, oneAttempt)
			stmt := breakOn[c.name]
			e.breakOn.Store(&stmt)
			token, err := e.rotate()
			var re *Error
			if !errors.As(err, &re) || re.Step != SetSecret || re.Kind != DatabaseFailed {
				t.Fatalf("rotation: %v, want a DatabaseFailed error at setSecret, from the broken connection", err)
			}
			if got := e.table(); got != "✓ ✗ –" {
				t.Errorf("after the failed setSecret: %s, want ✓ ✗ –", got)
			}
			// Secrets Manager reattempts the rotation with the same token.
			e.breakOn.Store(nil)
			for _, step := range steps {
				ev := Event{SecretID: e.arn, ClientRequestToken: token, Step: step}
				if err := e.h.Handle(context.Background(), ev); err != nil {
					t.Fatalf("%s of the retry: %v", step, err)
				}
			}
			if got, want := e.table(), wantTables[c.scheme]["1 after finishSecret"]; got != want {
				t.Errorf("after the retry: %s, want %s", got, want)
			}
			if c.scheme == AlternatingUsers {
				e.checkClone()
			}
		})
	}
}

// TestConfusedDeputy puts an AWSPENDING version that points elsewhere and
// checks that setSecret refuses it before logging in to anything.
func TestConfusedDeputy(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		tests := []struct {
			key    string
			change func(e *dbEnv, v map[string]any)
		}{
			{"host", func(e *dbEnv, v map[string]any) { v["host"] = "localhost" }}, // the same server, another name
			{"port", func(e *dbEnv, v map[string]any) { v["port"] = e.srv.Port + 1 }},
			{"engine", func(e *dbEnv, v map[string]any) {
				v["engine"] = map[string]string{"mysql": "postgres", "postgres": "mysql"}[e.srv.Engine]
			}},
			{"username", func(e *dbEnv, v map[string]any) { v["username"] = "root" }},
			{"dbname", func(e *dbEnv, v map[string]any) { v["dbname"] = "postgres" }}, // one the user may log in to
		}
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.key, func(t *testing.T) {
				t.Parallel()
				e := newDBEnv(t, c, oneAttempt)
				e.setWrap(func(ctx context.Context, ev Event, run func() error) error {
					if ev.Step != CreateSecret {
						return run()
					}
					user, _, _ := e.version(StageCurrent)
					if c.scheme == AlternatingUsers {
						user = e.clone
					}
					v := map[string]any{"engine": e.srv.Engine, "host": e.srv.Host, "port": e.srv.Port,
						"username": user, "password": randomPassword(), "dbname": e.srv.Database()}
					tt.change(e, v)
					_, err := e.sm.Client().PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(e.arn),
						ClientRequestToken: aws.String(ev.ClientRequestToken), SecretString: aws.String(mustJSON(v)), VersionStages: []string{StagePending}})
					return err
				})
				_, err := e.rotate()
				var re *Error
				if !errors.As(err, &re) || re.Kind != Mismatch || re.Key != tt.key || re.Step != SetSecret {
					t.Fatalf("rotation: %v, want a Mismatch of %s at setSecret", err, tt.key)
				}
				if n := e.dials.Load(); n != 0 {
					t.Errorf("setSecret opened %d connections, want none", n)
				}
				if got := e.table(); !strings.HasPrefix(got, "✓") {
					t.Errorf("AWSCURRENT no longer logs in: %s", got)
				}
			})
		}
	}
}

// TestMasterElsewhere gives alternating users a masterarn secret for
// another host, port or engine, with the real admin's credentials:
// setSecret refuses to send them there, and logs in as nobody with them.
func TestMasterElsewhere(t *testing.T) {
	t.Parallel()
	for _, c := range alternatingCases() {
		for _, tt := range []struct {
			key    string
			change func(e *dbEnv, m map[string]any)
		}{
			{"host", func(e *dbEnv, m map[string]any) { m["host"] = "localhost" }}, // the same server, another name
			{"port", func(e *dbEnv, m map[string]any) { m["port"] = e.srv.Port + 1 }},
			{"engine", func(e *dbEnv, m map[string]any) {
				m["engine"] = map[string]string{"mysql": "postgres", "postgres": "mysql"}[e.srv.Engine]
			}},
		} {
			t.Run(c.name+"/"+tt.key, func(t *testing.T) {
				t.Parallel()
				e := newDBEnv(t, c, oneAttempt)
				cur := e.currentValue()
				master := e.valueOf(cur["masterarn"].(string))
				tt.change(e, master)
				masterARN, err := e.sm.CreateSecret("admin/elsewhere-"+e.user, mustJSON(master))
				if err != nil {
					t.Fatal(err)
				}
				cur["masterarn"] = masterARN
				if _, err := e.sm.PutSecretValue(e.arn, mustJSON(cur)); err != nil {
					t.Fatal(err)
				}
				before := e.dials.Load()
				_, err = e.rotate()
				var re *Error
				if !errors.As(err, &re) || re.Kind != Mismatch || re.Stage != StageMaster || re.Key != tt.key {
					t.Fatalf("rotation: %v, want a Mismatch of the masterarn secret's %s", err, tt.key)
				}
				// AWSPENDING's login, refused, and AWSCURRENT's: not the admin's.
				if n := e.dials.Load() - before; n != 2 {
					t.Errorf("setSecret opened %d connections, want 2", n)
				}
			})
		}
	}
}

// fixedPasswords is a Client whose GetRandomPassword answers passwords
// that need quoting, in turn.
type fixedPasswords struct {
	Client
	n atomic.Int32
}

func (f *fixedPasswords) GetRandomPassword(context.Context, *secretsmanager.GetRandomPasswordInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	pw := []string{`it's a "quoted" \pass\' -- ;`, `\\'' OR ''=' /* @ */`}[f.n.Add(1)%2]
	return &secretsmanager.GetRandomPasswordOutput{RandomPassword: aws.String(pw)}, nil
}

// TestPasswordsThatNeedQuoting rotates to passwords with quotes,
// backslashes and comment markers, which reach the database only as quoted
// literals (MySQL) or SCRAM verifiers (PostgreSQL).
func TestPasswordsThatNeedQuoting(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c)
			e.configure(func(h *Handler, _ *Database) { h.Client = &fixedPasswords{Client: h.Client} })
			for round := 1; round <= 2; round++ {
				if _, err := e.rotate(); err != nil {
					t.Fatalf("rotation %d: %v", round, err)
				}
				if got, want := e.table(), wantTables[c.scheme][fmt.Sprint(round, " after finishSecret")]; got != want {
					t.Errorf("after rotation %d: %s, want %s", round, got, want)
				}
			}
		})
	}
}

// TestRefusedLoginNamesTheVersion makes the database refuse the credentials
// setSecret logs in with: the user's password changed behind the secret's
// back (single user), or a wrong password in the masterarn secret
// (alternating users). The error names whose credentials were refused.
func TestRefusedLoginNamesTheVersion(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c, oneAttempt)
			want := "refused the credentials of AWSPENDING and AWSCURRENT for user " + `"` + e.user + `"`
			stage := StageCurrent
			if c.scheme == SingleUser {
				e.srv.SetPassword(t, e.user, randomPassword())
			} else {
				cur, err := e.sm.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(e.arn)})
				if err != nil {
					t.Fatal(err)
				}
				var v struct{ MasterARN string }
				if err := json.Unmarshal([]byte(aws.ToString(cur.SecretString)), &v); err != nil {
					t.Fatal(err)
				}
				master, err := e.sm.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(v.MasterARN)})
				if err != nil {
					t.Fatal(err)
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(aws.ToString(master.SecretString)), &m); err != nil {
					t.Fatal(err)
				}
				m["password"] = "wrong-" + randomPassword()
				if _, err := e.sm.PutSecretValue(v.MasterARN, mustJSON(m)); err != nil {
					t.Fatal(err)
				}
				want, stage = "refused the masterarn secret's credentials", StageMaster
			}
			_, err := e.rotate()
			var re *Error
			if !errors.As(err, &re) || re.Kind != LoginRefused || re.Stage != stage || re.Step != SetSecret {
				t.Fatalf("rotation: %v, want LoginRefused of %s at setSecret", err, stage)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}
