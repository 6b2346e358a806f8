package testdb

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// engines lists each kind of server once, for table-driven tests.
var engines = []struct {
	name  string
	start func(testing.TB) *Server
}{
	{EngineMySQL, MySQL},
	{EnginePostgres, Postgres},
}

// login opens a pool for user and pings it: the error is the login's.
func login(t *testing.T, s *Server, user, password string) (*sql.DB, error) {
	t.Helper()
	db, err := sql.Open(s.DriverName(), s.DSN(user, password))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db, db.PingContext(ctx)
}

func TestPasswordRotation(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			s := engine.start(t)
			if s.Engine != engine.name {
				t.Fatalf("Engine = %q, want %q", s.Engine, engine.name)
			}
			ctx := context.Background()
			user := UniqueName("rot")
			s.CreateUser(t, user, "first'pass\\word")

			db, err := login(t, s, user, "first'pass\\word")
			if err != nil {
				t.Fatalf("login with the right password: %v", err)
			}
			// Full rights on Database(): create, write, read.
			table := "t_" + user
			for _, stmt := range []string{"CREATE TABLE " + table + " (id INT)", "INSERT INTO " + table + " VALUES (1)"} {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			held, err := db.Conn(ctx)
			if err != nil {
				t.Fatalf("hold a session: %v", err)
			}
			defer held.Close()

			if _, err := login(t, s, user, "wrong"); !s.IsAuthError(err) {
				t.Fatalf("login with a wrong password: got %v, want the engine's authentication error", err)
			}

			s.SetPassword(t, user, "second")
			if _, err := login(t, s, user, "first'pass\\word"); !s.IsAuthError(err) {
				t.Errorf("login with the old password after SetPassword: got %v, want an authentication error", err)
			}
			if _, err := login(t, s, user, "second"); err != nil {
				t.Errorf("login with the new password: %v", err)
			}
			var n int
			if err := held.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 1 {
				t.Errorf("session opened before SetPassword: got (%d, %v), want (1, nil)", n, err)
			}

			s.KillSessions(t, user)
			if err := held.PingContext(ctx); err == nil {
				t.Errorf("session after KillSessions: ping succeeded, want an error")
			}
		})
	}
}

func TestAdminDB(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			s := engine.start(t)
			if s.Host == "" || s.Port == 0 {
				t.Errorf("Host, Port = %q, %d, want an address", s.Host, s.Port)
			}
			var got string
			query := map[string]string{EngineMySQL: "SELECT DATABASE()", EnginePostgres: "SELECT current_database()"}[engine.name]
			if err := s.AdminDB(t).QueryRow(query).Scan(&got); err != nil || got != s.Database() {
				t.Errorf("admin database: got (%q, %v), want (%q, nil)", got, err, s.Database())
			}
		})
	}
}

func TestSameServerEveryCall(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			if a, b := engine.start(t), engine.start(t); a != b {
				t.Errorf("second call returned another server: %v, want %v", b, a)
			}
		})
	}
}

func TestUniqueName(t *testing.T) {
	tests := []struct{ prefix, wantPrefix string }{
		{"app", "app_"},
		{"My-Test/Name", "my_test_name_"},
		{"", "u_"},
		{"1st", "u1st_"},
		{"a_very_long_prefix_indeed", "a_very_long_pref_"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			a, b := UniqueName(tt.prefix), UniqueName(tt.prefix)
			if !strings.HasPrefix(a, tt.wantPrefix) || !validName.MatchString(a) {
				t.Errorf("UniqueName(%q) = %q, want a valid name starting with %q", tt.prefix, a, tt.wantPrefix)
			}
			if a == b {
				t.Errorf("UniqueName(%q) twice = %q, want different names", tt.prefix, a)
			}
		})
	}
}

func TestReaction(t *testing.T) {
	unavailable := &unavailableError{engine: "PostgreSQL", envVar: EnvPostgresDSN, missing: "initdb is not in PATH"}
	tests := []struct {
		name     string
		err      error
		ci       string
		wantSkip bool
	}{
		{"unavailable", unavailable, "", true},
		{"unavailable in CI", unavailable, "true", false},
		{"broken", errExited, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skip, msg := reaction(tt.err, tt.ci)
			if skip != tt.wantSkip {
				t.Errorf("skip = %v, want %v", skip, tt.wantSkip)
			}
			if !strings.Contains(msg, tt.err.Error()) {
				t.Errorf("message %q does not say %q", msg, tt.err.Error())
			}
		})
	}
	if msg := unavailable.Error(); !strings.Contains(msg, EnvPostgresDSN) || !strings.Contains(msg, "initdb") {
		t.Errorf("message %q does not name the variable and the binary", msg)
	}
}

func TestQuotePgLiteral(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "E'plain'"},
		{"it's", "E'it''s'"},
		{`back\slash`, `E'back\\slash'`},
	}
	for _, tt := range tests {
		if got := quotePgLiteral(tt.in); got != tt.want {
			t.Errorf("quotePgLiteral(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	if got := redact("user x password s3cret", "s3cret", ""); got != "user x password [redacted]" {
		t.Errorf("redact = %q", got)
	}
}

// TestFromEnvironment uses the throwaway servers as if their admin DSNs had
// been given in the environment.
func TestFromEnvironment(t *testing.T) {
	fromEnv := map[string]func(string) (*Server, error){EngineMySQL: mysqlFromEnv, EnginePostgres: postgresFromEnv}
	bootstrap := map[string]string{EngineMySQL: "", EnginePostgres: "postgres"}
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			throwaway := engine.start(t)
			dsn := throwaway.dialect.dsn(throwaway.adminUser, throwaway.adminPassword.reveal(), bootstrap[engine.name])
			s, err := fromEnv[engine.name](dsn)
			if err != nil {
				t.Fatalf("from admin DSN: %v", err)
			}
			t.Cleanup(s.stop) // after the user is dropped
			if s.Host != throwaway.Host || s.Port != throwaway.Port {
				t.Errorf("address = %s:%d, want %s:%d", s.Host, s.Port, throwaway.Host, throwaway.Port)
			}
			user := UniqueName("env")
			s.CreateUser(t, user, "pw")
			if _, err := login(t, s, user, "pw"); err != nil {
				t.Errorf("login: %v", err)
			}
			if _, err := login(t, s, user, "wrong"); !s.IsAuthError(err) {
				t.Errorf("login with a wrong password: got %v, want an authentication error", err)
			}
		})
	}
}

func TestFromEnvironmentRejectsBadDSN(t *testing.T) {
	const secret = "s3cret"
	for name, fromEnv := range map[string]func(string) (*Server, error){EngineMySQL: mysqlFromEnv, EnginePostgres: postgresFromEnv} {
		t.Run(name, func(t *testing.T) {
			_, err := fromEnv("bad dsn " + secret + " %zz")
			if err == nil || strings.Contains(err.Error(), secret) {
				t.Errorf("got %v, want an error without the password", err)
			}
		})
	}
}
