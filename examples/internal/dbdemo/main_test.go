package dbdemo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/testdb"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// engines are the engines the example tests run against.
var engines = []struct {
	eng    Engine
	server func(testing.TB) *testdb.Server
	// userAt says the whoami query answers user@host, not the user alone.
	userAt bool
	// users counts the accounts of the user named by its argument.
	users string
}{
	{MySQL, testdb.MySQL, true, "SELECT COUNT(*) FROM mysql.user WHERE user = ?"},
	{Postgres, testdb.Postgres, false, "SELECT COUNT(*) FROM pg_roles WHERE rolname = $1"},
}

func TestEmbedded(t *testing.T) {
	for _, tt := range engines {
		t.Run(tt.eng.JDBC().String(), func(t *testing.T) {
			t.Parallel()
			s := tt.server(t)
			admin := s.AdminDB(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			var out bytes.Buffer
			f, err := runEmbedded(ctx, &out, tt.eng, Admin{DB: admin, Addr: Addr{Host: s.Host, Port: s.Port, Database: s.Database()}})
			if err != nil {
				t.Fatalf("runEmbedded: %v\noutput:\n%s", err, &out)
			}
			user := f.user
			if tt.userAt {
				user, _, _ = strings.Cut(f.user, "@")
			}
			if user != f.created {
				t.Errorf("%s: got user %q, want the created %s %q", tt.eng.demo().whoamiShown, f.user, tt.eng.demo().account, f.created)
			}
			if f.calls != 1 {
				t.Errorf("GetSecretValue calls for %d connections = %d, want 1", demoConnections, f.calls)
			}
			checkOutput(t, out.String(), f.created, f.password)

			var left int
			if err := admin.QueryRowContext(ctx, tt.users, f.created).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != 0 {
				t.Errorf("%d accounts of the demo user left after the run, want 0", left)
			}
		})
	}
}

// TestSecretID runs the -secret-id path, sql.Open with the registered
// driver, against an in-process Secrets Manager given as -endpoint.
func TestSecretID(t *testing.T) {
	srv := secretsmanagertest.NewServer()
	t.Cleanup(srv.Close)
	setFakeAWSEnv(t)
	for _, e := range engines {
		t.Run(e.eng.JDBC().String(), func(t *testing.T) {
			s := e.server(t)
			user, password := testdb.UniqueName("app"), rand.Text()
			s.CreateUser(t, user, password)
			engine := e.eng.JDBC().String()

			tests := []struct {
				name   string
				secret any  // marshalled to the secret's JSON
				addr   Addr // the -host, -port and -dbname flags
			}{{
				name:   "full secret",
				secret: Secret{Engine: engine, Host: s.Host, Port: s.Port, Username: user, Password: password, DBName: s.Database()},
			}, {
				name:   "RDS-managed secret with -host -port -dbname",
				secret: map[string]string{"username": user, "password": password},
				addr:   Addr{Host: s.Host, Port: s.Port, Database: s.Database()},
			}}
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					id := "test/" + engine + "/" + string(rune('a'+i))
					value, err := json.Marshal(tt.secret)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := srv.CreateSecret(id, string(value)); err != nil {
						t.Fatal(err)
					}
					opts := options{Admin: Admin{Addr: tt.addr}, secretID: id, region: secretsmanagertest.Region, endpoint: srv.URL}
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()

					var out bytes.Buffer
					if err := run(ctx, &out, e.eng, opts); err != nil {
						t.Fatalf("run: %v\noutput:\n%s", err, &out)
					}
					answer := e.eng.demo().whoamiShown + ": " + user + ","
					if e.userAt {
						answer = e.eng.demo().whoamiShown + ": " + user + "@"
					}
					if !strings.Contains(out.String(), answer) {
						t.Errorf("output does not show the query answered as %s:\n%s", user, &out)
					}
					checkOutput(t, out.String(), user, password)
				})
			}
		})
	}
}

func TestRunRejectsAWSFlagsWithoutSecretID(t *testing.T) {
	t.Parallel()
	for _, tt := range engines {
		for _, opts := range []options{{region: "eu-west-1"}, {endpoint: "http://127.0.0.1:1"}} {
			if err := run(context.Background(), new(bytes.Buffer), tt.eng, opts); err == nil {
				t.Errorf("%s: run(%+v) = nil, want an error", tt.eng.JDBC(), opts)
			}
		}
	}
}

// checkOutput fails t if out does not name user or shows password.
func checkOutput(t *testing.T, out, user, password string) {
	t.Helper()
	if !strings.Contains(out, user) {
		t.Errorf("output does not name user %s:\n%s", user, out)
	}
	if strings.Contains(out, password) {
		t.Errorf("output shows the password:\n%s", out)
	}
}

// setFakeAWSEnv gives the registered drivers' default cache, built from the
// standard AWS configuration, dummy credentials and no shared files, so that
// it needs nothing but the -endpoint it is given.
func setFakeAWSEnv(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "example",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}
