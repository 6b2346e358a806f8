package rotation

import (
	"context"
	"database/sql"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
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
	e.execAs(proxied, proxiedPassword, "GRANT PROXY ON ?@'%' TO ?@'%' WITH GRANT OPTION", proxied, master)
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
		e.execAs(proxied, proxiedPassword, "GRANT PROXY ON ?@'%' TO ?@?", proxied, e.user, host)
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

// execAs runs a statement on MySQL as user, in no database, with
// client-side placeholders.
func (e *dbEnv) execAs(user, password, query string, args ...any) {
	e.t.Helper()
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", net.JoinHostPort(e.srv.Host, strconv.Itoa(e.srv.Port)), user, password
	cfg.InterpolateParams = true
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		e.t.Fatalf("as %s: %v", user, err)
	}
}
