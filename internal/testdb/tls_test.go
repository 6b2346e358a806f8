package testdb

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// tlsLogin logs user in to s with TLS verified against roots (nil: no
// TLS) and returns whether the session is encrypted.
func tlsLogin(t *testing.T, s *Server, user, password string, roots *x509.CertPool) (encrypted bool, err error) {
	t.Helper()
	var cfg *tls.Config
	if roots != nil {
		cfg = &tls.Config{RootCAs: roots, ServerName: s.Host}
	}
	var db *sql.DB
	query := "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
	switch s.Engine {
	case EngineMySQL:
		c, err := mysql.ParseDSN(s.DSN(user, password))
		if err != nil {
			t.Fatal(err)
		}
		c.TLS = cfg
		conn, err := mysql.NewConnector(c)
		if err != nil {
			t.Fatal(err)
		}
		db = sql.OpenDB(conn)
		query = "SELECT VARIABLE_VALUE <> '' FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'"
	default:
		c, err := pgx.ParseConfig(s.DSN(user, password))
		if err != nil {
			t.Fatal(err)
		}
		c.TLSConfig, c.Fallbacks = cfg, nil
		db = stdlib.OpenDB(*c)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = db.QueryRowContext(ctx, query).Scan(&encrypted)
	return encrypted, err
}

func TestTLSServers(t *testing.T) {
	for _, engine := range []struct {
		name        string
		start       func(testing.TB) *Server
		plainRefuse bool // whether users must use TLS
	}{{EngineMySQL, MySQLTLS, false}, {EnginePostgres, PostgresTLS, true}} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			s := engine.start(t)
			if s.RootCAs() == nil {
				t.Fatal("RootCAs = nil for a TLS server")
			}
			if plain := map[string]func(testing.TB) *Server{EngineMySQL: MySQL, EnginePostgres: Postgres}[engine.name](t); plain.RootCAs() != nil || plain == s {
				t.Errorf("the plain server is the TLS one or has a CA")
			}
			user := UniqueName("tls")
			s.CreateUser(t, user, "pw")
			if enc, err := tlsLogin(t, s, user, "pw", s.RootCAs()); err != nil || !enc {
				t.Errorf("verified TLS login: encrypted %v, %v; want an encrypted session", enc, err)
			}
			if _, err := tlsLogin(t, s, user, "wrong", s.RootCAs()); !s.IsAuthError(err) {
				t.Errorf("TLS login with a wrong password: %v, want an authentication error", err)
			}
			if _, err := tlsLogin(t, s, user, "pw", UntrustedRootCAs(t)); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("TLS login verified against another CA: %v, want a certificate error", err)
			}
			enc, err := tlsLogin(t, s, user, "pw", nil)
			if engine.plainRefuse && err == nil || !engine.plainRefuse && (err != nil || enc) {
				t.Errorf("login without TLS: encrypted %v, %v", enc, err)
			}
		})
	}
}
