package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/testdb"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestEmbedded(t *testing.T) {
	s := testdb.MySQL(t)
	admin := s.AdminDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var out bytes.Buffer
	f, err := runEmbedded(ctx, &out, options{adminDB: admin, host: s.Host, port: s.Port, database: s.Database()})
	if err != nil {
		t.Fatalf("runEmbedded: %v\noutput:\n%s", err, &out)
	}
	if user, _, _ := strings.Cut(f.user, "@"); user != f.created {
		t.Errorf("CURRENT_USER() = %q, want the created user %q at some host", f.user, f.created)
	}
	if f.calls != 1 {
		t.Errorf("GetSecretValue calls for %d connections = %d, want 1", demoConnections, f.calls)
	}
	checkOutput(t, out.String(), f.created, f.password)

	var left int
	if err := admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE user = ?", f.created).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d accounts of the demo user left after the run, want 0", left)
	}
}

// TestCreateUserQuotes creates a user whose password needs quoting: the
// placeholders, not the caller, must escape it.
func TestCreateUserQuotes(t *testing.T) {
	s := testdb.MySQL(t)
	admin := s.AdminDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	user, password := "demo_"+randomHex(4), `it's a \ "pw"`
	if err := createUser(ctx, admin, user, password, s.Database()); err != nil {
		t.Fatalf("createUser: %v", err)
	}
	defer dropUser(ctx, admin, user)
	db, err := sql.Open("mysql", s.DSN(user, password))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Errorf("login with the password: %v", err)
	}
}

// TestSecretID runs the -secret-id path, sql.Open with the registered
// driver, against an in-process Secrets Manager given as -endpoint.
func TestSecretID(t *testing.T) {
	s := testdb.MySQL(t)
	user, password := testdb.UniqueName("app"), rand.Text()
	s.CreateUser(t, user, password)
	srv := secretsmanagertest.NewServer()
	t.Cleanup(srv.Close)
	setFakeAWSEnv(t)

	tests := []struct {
		name   string
		secret any     // marshalled to the secret's JSON
		opts   options // secretID, region and endpoint are filled in
	}{{
		name:   "full secret",
		secret: dbSecret{Engine: "mysql", Host: s.Host, Port: s.Port, Username: user, Password: password, DBName: s.Database()},
	}, {
		name:   "RDS-managed secret with -host -port -dbname",
		secret: map[string]string{"username": user, "password": password},
		opts:   options{host: s.Host, port: s.Port, database: s.Database()},
	}}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "test/mysql/" + string(rune('a'+i))
			value, err := json.Marshal(tt.secret)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.CreateSecret(id, string(value)); err != nil {
				t.Fatal(err)
			}
			opts := tt.opts
			opts.secretID, opts.region, opts.endpoint = id, secretsmanagertest.Region, srv.URL
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			var out bytes.Buffer
			if err := run(ctx, &out, opts); err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, &out)
			}
			if !strings.Contains(out.String(), "SELECT CURRENT_USER(), VERSION(): "+user+"@") {
				t.Errorf("output does not show the query answered as %s:\n%s", user, &out)
			}
			checkOutput(t, out.String(), user, password)
		})
	}
}

func TestRunRejectsAWSFlagsWithoutSecretID(t *testing.T) {
	t.Parallel()
	for _, opts := range []options{{region: "eu-west-1"}, {endpoint: "http://127.0.0.1:1"}} {
		if err := run(context.Background(), new(bytes.Buffer), opts); err == nil {
			t.Errorf("run(%+v) = nil, want an error", opts)
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

// setFakeAWSEnv gives the registered driver's default cache, built from the
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
