package rotation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// TestCloneHasEveryGrant gives the first user of an alternating-users pair
// every kind of MySQL grant SHOW GRANTS prints: column, table, routine and
// proxy grants, a grant with GRANT OPTION, a role and a default role
// (MariaDB), resource limits; then rotates twice and compares the grant
// lines of both users, at every host.
func TestCloneHasEveryGrant(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t, dbCases[1])
	db := e.srv.Database()
	suffix := e.user[len(e.user)-12:]
	table, proc, fn, role, proxied := "t_"+suffix, "p_"+suffix, "f_"+suffix, "r_"+suffix, "px_"+suffix
	master := e.master
	e.adminExec("CREATE TABLE `" + db + "`.`" + table + "` (a INT, b INT)")
	e.adminExec("CREATE PROCEDURE `" + db + "`.`" + proc + "`() BEGIN END")
	e.adminExec("CREATE FUNCTION `" + db + "`.`" + fn + "`() RETURNS INT RETURN 1")
	e.adminExec("CREATE ROLE `" + role + "`")
	proxiedPassword := randomPassword()
	e.adminExec("CREATE USER ?@'%' IDENTIFIED BY ?", proxied, proxiedPassword)
	t.Cleanup(func() {
		e.adminExecCleanup("DROP ROLE IF EXISTS `" + role + "`")
		e.adminExecCleanup("DROP USER IF EXISTS ?@'%'", proxied)
		e.adminExecCleanup("DROP TABLE IF EXISTS `" + db + "`.`" + table + "`")
		e.adminExecCleanup("DROP PROCEDURE IF EXISTS `" + db + "`.`" + proc + "`")
		e.adminExecCleanup("DROP FUNCTION IF EXISTS `" + db + "`.`" + fn + "`")
	})
	// What an RDS master user may grant: roles it administers, proxies it
	// holds with GRANT OPTION.
	e.adminExec("GRANT `"+role+"` TO ?@'%' WITH ADMIN OPTION", master)
	// Only root holds PROXY for every account; an account may grant its own.
	if err := e.execAs(proxied, proxiedPassword, "GRANT PROXY ON ?@'%' TO ?@'%' WITH GRANT OPTION", proxied, master); err != nil {
		t.Fatal(err)
	}
	e.adminExec("GRANT SELECT ON `" + db + "`.* TO `" + role + "`")
	for _, host := range []string{"%", "localhost", "127.0.0.1"} {
		for _, stmt := range []string{
			"GRANT SELECT (a), UPDATE (b) ON `" + db + "`.`" + table + "` TO ?@?",
			"GRANT INSERT, DELETE ON `" + db + "`.`" + table + "` TO ?@? WITH GRANT OPTION",
			"GRANT EXECUTE ON PROCEDURE `" + db + "`.`" + proc + "` TO ?@?",
			"GRANT EXECUTE ON FUNCTION `" + db + "`.`" + fn + "` TO ?@?",
			"GRANT `" + role + "` TO ?@?",
			"SET DEFAULT ROLE `" + role + "` FOR ?@?",
			"GRANT USAGE ON *.* TO ?@? WITH MAX_QUERIES_PER_HOUR 1000 MAX_USER_CONNECTIONS 50",
		} {
			e.adminExec(stmt, e.user, host)
		}
		if err := e.execAs(proxied, proxiedPassword, "GRANT PROXY ON ?@'%' TO ?@?", proxied, e.user, host); err != nil {
			t.Fatal(err)
		}
	}
	for round := 1; round <= 2; round++ {
		if _, err := e.rotate(); err != nil {
			t.Fatalf("rotation %d: %v", round, err)
		}
	}
	if got, want := e.table(), wantTables[AlternatingUsers]["2 after finishSecret"]; got != want {
		t.Errorf("after two rotations: %s, want %s", got, want)
	}
	e.checkClone()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lines := strings.Join(e.grants(ctx, e.user, "%"), "\n")
	for _, want := range []string{"SELECT (`a`)", "EXECUTE ON PROCEDURE", "EXECUTE ON FUNCTION", "PROXY ON", "GRANT `" + role + "` TO", "SET DEFAULT ROLE", "WITH GRANT OPTION", "MAX_USER_CONNECTIONS"} {
		if !strings.Contains(lines, want) {
			t.Errorf("the first user's grants lack %q, which the test set up:\n%s", want, lines)
		}
	}
}

// TestCloneHasTheRolesPrivileges gives the first user of a PostgreSQL
// pair a table it owns and a table it reads through a group role, then
// rotates twice: after each rotation, the users of AWSCURRENT and
// AWSPREVIOUS (the clone, a member of the first user's role, and the first
// user) both write the first and read the second.
func TestCloneHasTheRolesPrivileges(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t, dbCases[3])
	suffix := e.user[len(e.user)-12:]
	owned, viaGroup, group := "t_own_"+suffix, "t_grp_"+suffix, "g_"+suffix
	e.adminExec("CREATE ROLE " + group + " NOLOGIN")
	e.adminExec("CREATE TABLE " + owned + " (a int)")
	e.adminExec("ALTER TABLE " + owned + " OWNER TO " + e.user)
	e.adminExec("CREATE TABLE " + viaGroup + " (a int)")
	e.adminExec("GRANT SELECT ON " + viaGroup + " TO " + group)
	e.adminExec("GRANT " + group + " TO " + e.user)
	t.Cleanup(func() {
		e.adminExecCleanup("DROP TABLE IF EXISTS " + owned + ", " + viaGroup)
		e.adminExecCleanup("DROP ROLE IF EXISTS " + group)
	})
	for round := 1; round <= 2; round++ {
		if _, err := e.rotate(); err != nil {
			t.Fatalf("rotation %d: %v", round, err)
		}
		for _, stage := range []string{StageCurrent, StagePrevious} {
			user, password, _ := e.version(stage)
			for _, stmt := range []string{"INSERT INTO " + owned + " VALUES (1)", "SELECT count(*) FROM " + viaGroup} {
				if err := e.execAs(user, password, stmt); err != nil {
					t.Errorf("rotation %d: %s as %s (%s): %v", round, stmt, user, stage, err)
				}
			}
		}
	}
	e.checkClone()
}

// execAs runs a statement as user: on MySQL in no database, with
// client-side placeholders; on PostgreSQL in the test database.
func (e *dbEnv) execAs(user, password, query string, args ...any) error {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := net.JoinHostPort(e.srv.Host, strconv.Itoa(e.srv.Port))
	if e.srv.Engine == testdb.EnginePostgres {
		cfg, err := pgx.ParseConfig("postgres://" + addr + "/?sslmode=disable")
		if err != nil {
			return err
		}
		cfg.User, cfg.Password, cfg.Database = user, password, e.srv.Database()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, query, args...)
		return err
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", addr, user, password
	cfg.InterpolateParams = true
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	_, err = db.ExecContext(ctx, query, args...)
	return err
}

// TestCloneThatExistsAlready makes the clone before the first rotation, as
// a rotation cancelled half-way or an operator may leave it: on MySQL
// without grants, on PostgreSQL without LOGIN and outside the first user's
// role. The first rotation gives it what the clone needs.
func TestCloneThatExistsAlready(t *testing.T) {
	t.Parallel()
	for _, c := range alternatingCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, c)
			if e.srv.Engine == testdb.EngineMySQL {
				e.adminExec("CREATE USER ?@'%' IDENTIFIED BY ?", e.clone, randomPassword())
			} else {
				e.adminExec("CREATE ROLE " + pgx.Identifier{e.clone}.Sanitize() + " NOLOGIN")
			}
			for round := 1; round <= 2; round++ {
				if _, err := e.rotate(); err != nil {
					t.Fatalf("rotation %d: %v", round, err)
				}
				if got, want := e.table(), wantTables[c.scheme][fmt.Sprint(round, " after finishSecret")]; got != want {
					t.Errorf("after rotation %d: %s, want %s", round, got, want)
				}
			}
			e.checkClone()
		})
	}
}

// TestGrantTheAdminLacks gives the first user a MariaDB role the admin may
// not grant: setSecret fails, naming the grant line and what the admin
// needs, with AWSCURRENT working; once the admin gets the role WITH ADMIN
// OPTION, the service's retry of the same rotation completes it.
func TestGrantTheAdminLacks(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t, dbCases[1], oneAttempt)
	role := "r_" + e.user[len(e.user)-12:]
	e.adminExec("CREATE ROLE `" + role + "`")
	t.Cleanup(func() { e.adminExecCleanup("DROP ROLE IF EXISTS `" + role + "`") })
	e.adminExec("GRANT `"+role+"` TO ?@'%'", e.user)
	token, err := e.rotate()
	var re *Error
	if !errors.As(err, &re) || re.Kind != DatabaseFailed || re.Step != SetSecret {
		t.Fatalf("rotation: %v, want a DatabaseFailed error at setSecret", err)
	}
	for _, want := range []string{"GRANT `" + role + "` TO", "WITH ADMIN OPTION"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if got := e.table(); got != "✓ ✗ –" {
		t.Errorf("after the failed setSecret: %s, want ✓ ✗ –", got)
	}
	e.adminExec("GRANT `"+role+"` TO ?@'%' WITH ADMIN OPTION", e.master)
	for _, step := range steps {
		if err := e.h.Handle(context.Background(), Event{SecretID: e.arn, ClientRequestToken: token, Step: step}); err != nil {
			t.Fatalf("%s of the retry: %v", step, err)
		}
	}
	if got, want := e.table(), wantTables[AlternatingUsers]["1 after finishSecret"]; got != want {
		t.Errorf("after the retry: %s, want %s", got, want)
	}
	e.checkClone()
}
