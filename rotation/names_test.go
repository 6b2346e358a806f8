package rotation

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// quotingNames are user names that break a statement built by string
// concatenation: quotes of every kind, backslashes, comment markers, a
// statement separator, spaces, LIKE and GRANT wildcards, upper case,
// multi-byte characters.
var quotingNames = []struct{ name, prefix string }{
	{"single quote", `o'brien`},
	{"double quote", `say "hi"`},
	{"backtick", "back`tick"},
	{"backslash", `back\slash\`},
	{"backslash quote", `x\'`},
	{"injection", `x';DROP USER root#`},
	{"injection pg", `x";DROP ROLE x--`},
	{"wildcards", `a%b_c`},
	{"upper case", `MixedCase`},
	{"multi-byte", `Ünïcødé_用户`},
}

// TestUsernamesThatNeedQuoting rotates, twice, users whose names need
// quoting: the statements of setSecret must carry them as quoted
// identifiers or literals, never as SQL.
func TestUsernamesThatNeedQuoting(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		for _, n := range quotingNames {
			t.Run(c.name+"/"+n.name, func(t *testing.T) {
				t.Parallel()
				e := newDBEnv(t, c, userNamed(func(unique string) string { return n.prefix + unique[len(unique)-6:] }))
				for round := 1; round <= 2; round++ {
					if _, err := e.rotate(); err != nil {
						t.Fatalf("rotation %d: %v", round, err)
					}
					if got, want := e.table(), wantTables[c.scheme][fmt.Sprint(round, " after finishSecret")]; got != want {
						t.Errorf("after rotation %d: %s, want %s", round, got, want)
					}
				}
				if c.scheme == AlternatingUsers {
					e.checkClone()
				}
			})
		}
	}
}

// TestUsernameLengthLimits rotates, on the real servers, users whose clone
// name is exactly as long as the engine value allows, in characters of two
// bytes (MySQL and MariaDB count characters, PostgreSQL bytes), and users
// one character longer, which createSecret refuses before it writes
// anything.
func TestUsernameLengthLimits(t *testing.T) {
	t.Parallel()
	mysqlAlt := dbCases[1]
	pgAlt := dbCases[3]
	tests := []struct {
		name   string
		c      dbCase
		engine string // the secret's engine key; "" for the server's
		limit  int    // Database.MaxUsernameLength
		base   int    // characters of the first user's name, before the unique part
		unit   string // the character the name is made of
		ok     bool
	}{
		{"mysql 32 characters", mysqlAlt, "mysql", 0, 32, "é", true},
		{"mysql 33 characters", mysqlAlt, "mysql", 0, 33, "é", false},
		{"mariadb 80 characters", mysqlAlt, "mariadb", 0, 80, "é", true},
		{"mariadb 81 characters", mysqlAlt, "mariadb", 0, 81, "é", false},
		{"mariadb 128 characters when allowed", mysqlAlt, "mariadb", 128, 128, "é", true},
		{"mariadb 129 characters when 128 allowed", mysqlAlt, "mariadb", 128, 129, "é", false},
		{"postgres 63 bytes", pgAlt, "", 0, 63, "é", true},
		{"postgres 64 bytes", pgAlt, "", 0, 64, "é", false},
		{"postgres 63 bytes of ASCII", pgAlt, "", 0, 63, "u", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []envOption
			if tt.engine != "" {
				opts = append(opts, withKeys(map[string]any{"engine": tt.engine}))
			}
			bytes := tt.c.name == pgAlt.name // PostgreSQL counts bytes
			opts = append(opts, oneAttempt, userNamed(func(unique string) string {
				return nameOfLength(unique[len(unique)-6:], tt.base-len(cloneSuffix), tt.unit, bytes)
			}))
			e := newDBEnv(t, tt.c, opts...)
			e.configure(func(_ *Handler, d *Database) { d.MaxUsernameLength = tt.limit })
			_, err := e.rotate()
			if !tt.ok {
				if kindOf(err) != BadUsername || !strings.Contains(err.Error(), "_clone") {
					t.Fatalf("rotation: %v, want a BadUsername error naming the clone", err)
				}
				if got := e.table(); got != "✓ – –" {
					t.Errorf("after the refused rotation: %s, want ✓ – – (nothing written)", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("rotation 1: %v", err)
			}
			if _, err := e.rotate(); err != nil {
				t.Fatalf("rotation 2: %v", err)
			}
			if got, want := e.table(), wantTables[AlternatingUsers]["2 after finishSecret"]; got != want {
				t.Errorf("after two rotations: %s, want %s", got, want)
			}
			e.checkClone()
		})
	}
}

// nameOfLength returns tail preceded by as many units as make it n
// characters long (n bytes when bytes is set, completing with "u" when
// units do not fit exactly).
func nameOfLength(tail string, n int, unit string, bytes bool) string {
	length := func(s string) int {
		if bytes {
			return len(s)
		}
		return utf8.RuneCountInString(s)
	}
	name := tail
	for length(unit+name) <= n {
		name = unit + name
	}
	for length(name) < n {
		name = "u" + name
	}
	return name
}

// TestInjectionThroughSecretValues rotates secrets whose database name,
// first password and admin password hold SQL that drops a canary table if
// it is ever run: the values reach the servers in the login handshake, as
// quoted literals or not at all, and the canary survives two rotations.
func TestInjectionThroughSecretValues(t *testing.T) {
	t.Parallel()
	for _, c := range dbCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			canary := testdb.UniqueName("canary")
			inject := func(quote string) string {
				return "x" + quote + "; DROP TABLE " + canary + "; -- " + quote
			}
			e := newDBEnv(t, c,
				inDatabase(func(unique string) string { return inject("'") + "`" + unique[len(unique)-6:] }),
				withPasswords(inject(`\'`), inject(`"`)+`\`))
			e.adminExec("CREATE TABLE " + canary + " (a int)")
			t.Cleanup(func() { e.adminExecCleanup("DROP TABLE IF EXISTS " + canary) })
			for round := 1; round <= 2; round++ {
				if _, err := e.rotate(); err != nil {
					t.Fatalf("rotation %d: %v", round, err)
				}
				if got, want := e.table(), wantTables[c.scheme][fmt.Sprint(round, " after finishSecret")]; got != want {
					t.Errorf("after rotation %d: %s, want %s", round, got, want)
				}
			}
			e.adminExec("SELECT count(*) FROM " + canary)
		})
	}
}
