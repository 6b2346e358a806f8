package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// NewMySQL starts a throwaway MariaDB server for t alone and stops it when t
// ends, for a test that changes server-wide settings (SET GLOBAL) that would
// disturb the tests sharing MySQL's server. It takes a few seconds. It skips
// t when EnvMySQLDSN names a server (one cannot be started beside it on
// purpose) and, like MySQL, when the binaries are missing (failing it under
// CI).
func NewMySQL(t testing.TB) *Server {
	t.Helper()
	if os.Getenv(EnvMySQLDSN) != "" {
		t.Skip("testdb: " + EnvMySQLDSN + " is set; this test needs a server of its own")
	}
	srv, err := func() (*Server, error) {
		server, install, err := findMariaDB()
		if err != nil {
			return nil, err
		}
		return launchMariaDB(server, install, nil)
	}()
	if err != nil {
		if skip, msg := reaction(err, os.Getenv(EnvCI)); skip {
			t.Skip(msg)
		} else {
			t.Fatal(msg)
		}
	}
	t.Cleanup(srv.stop)
	return srv
}

// Exec runs an administrative statement as the server's admin, failing t on
// error. The statement must not hold a password: errors quote it.
func (s *Server) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if _, err := s.admin.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("testdb: %s on %s: %v", query, s, s.redact(err))
	}
}

// DenyLogin makes the server refuse every login of user whatever the
// password, the way an administrator disables an account: ACCOUNT LOCK on
// MySQL/MariaDB (error 4151 on MariaDB, 3118 on MySQL), NOLOGIN on
// PostgreSQL (SQLSTATE 28000, "role ... is not permitted to log in").
func (s *Server) DenyLogin(t testing.TB, user string) {
	t.Helper()
	checkName(t, user)
	if s.Engine == EnginePostgres {
		s.Exec(t, "ALTER ROLE "+quotePgIdent(user)+" NOLOGIN")
		return
	}
	users, args := userList(user, "")
	s.Exec(t, "ALTER USER "+users+" ACCOUNT LOCK", args...)
}

// hbaRejectGroup is the role whose members pg_hba.conf rejects, once
// RejectByHBA has set the rule up.
const hbaRejectGroup = "testdb_hba_reject"

var (
	hbaMu    sync.Mutex
	hbaReady = map[*Server]bool{} // guarded by hbaMu
)

// RejectByHBA makes PostgreSQL's pg_hba.conf reject user's connections
// before any password is asked for (SQLSTATE 28000, "pg_hba.conf rejects
// connection ..."). The first call puts a reject rule for the members of a
// group role at the top of pg_hba.conf and reloads the configuration; each
// call makes user a member. It skips t unless the server is a throwaway one
// of this package, whose pg_hba.conf it may edit.
func (s *Server) RejectByHBA(t testing.TB, user string) {
	t.Helper()
	checkName(t, user)
	if s.Engine != EnginePostgres || s.proc == nil {
		t.Skip("testdb: RejectByHBA needs a throwaway PostgreSQL server")
	}
	hbaMu.Lock()
	defer hbaMu.Unlock()
	if !hbaReady[s] {
		if err := s.installHBAReject(t); err != nil {
			t.Fatalf("testdb: set up a pg_hba.conf reject rule on %s: %v", s, err)
		}
		hbaReady[s] = true
	}
	s.Exec(t, "GRANT "+quotePgIdent(hbaRejectGroup)+" TO "+quotePgIdent(user))
}

// installHBAReject prepends the reject rule, reloads, and waits until a
// member of the group is rejected: the postmaster reloads asynchronously.
func (s *Server) installHBAReject(t testing.TB) error {
	s.Exec(t, "CREATE ROLE "+quotePgIdent(hbaRejectGroup)+" NOLOGIN")
	path := filepath.Join(s.dir, "data", "pg_hba.conf")
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rule := "host all +" + hbaRejectGroup + " all reject\nlocal all +" + hbaRejectGroup + " reject\n"
	if err := os.WriteFile(path, append([]byte(rule), old...), 0o600); err != nil {
		return err
	}
	s.Exec(t, "SELECT pg_reload_conf()")

	probe, password := UniqueName("hba_probe"), randomPassword()
	s.CreateUser(t, probe, password)
	s.Exec(t, "GRANT "+quotePgIdent(hbaRejectGroup)+" TO "+quotePgIdent(probe))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for {
		db, err := sql.Open(s.DriverName(), s.DSN(probe, password))
		if err != nil {
			return err
		}
		err = db.PingContext(ctx)
		db.Close()
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "28000" && strings.Contains(pe.Message, "pg_hba.conf") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the reject rule did not take effect within %v (last login: %v)", opTimeout, s.redact(errOrNil(err), password))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func errOrNil(err error) error {
	if err == nil {
		return errors.New("succeeded")
	}
	return err
}
