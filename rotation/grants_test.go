package rotation

import (
	"errors"
	"strings"
	"testing"
)

// regrantTests feed TestRegrant and the seeds of FuzzRegrant. The account
// is app@% becoming 'app_clone'@'%'.
var regrantTests = []struct {
	line, want string // want "" means refused
}{
	{"GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*0123456789ABCDEF0123456789ABCDEF01234567'",
		"GRANT USAGE ON *.* TO 'app_clone'@'%'"},
	{"GRANT ALL PRIVILEGES ON `secretcache_test`.* TO `app`@`%`",
		"GRANT ALL PRIVILEGES ON `secretcache_test`.* TO 'app_clone'@'%'"},
	{"GRANT SELECT, INSERT ON `db`.`t` TO `app`@`%` WITH GRANT OPTION",
		"GRANT SELECT, INSERT ON `db`.`t` TO 'app_clone'@'%' WITH GRANT OPTION"},
	{"GRANT SELECT (`a b`, `c`) ON `db`.`weird TO ``app``@``%``` TO `app`@`%`",
		"GRANT SELECT (`a b`, `c`) ON `db`.`weird TO ``app``@``%``` TO 'app_clone'@'%'"},
	{"GRANT USAGE ON *.* TO `app`@`%` REQUIRE SUBJECT '/CN= TO `x`@`y`' WITH MAX_USER_CONNECTIONS 3",
		"GRANT USAGE ON *.* TO 'app_clone'@'%'"},
	{"GRANT `reader` TO `app`@`%` WITH ADMIN OPTION", "GRANT `reader` TO 'app_clone'@'%' WITH ADMIN OPTION"},
	{"GRANT PROXY ON ''@'%' TO 'app'@'%' WITH GRANT OPTION", "GRANT PROXY ON ''@'%' TO 'app_clone'@'%' WITH GRANT OPTION"},
	{"REVOKE INSERT ON `mysql`.* FROM `app`@`%`", "REVOKE INSERT ON `mysql`.* FROM 'app_clone'@'%'"},
	{"SET DEFAULT ROLE `reader` FOR `app`@`%`", "SET DEFAULT ROLE `reader` FOR 'app_clone'@'%'"},
	{"GRANT SELECT ON `db`.* TO `other`@`%`", ""},
	{"GRANT SELECT ON `db`.* TO `app`@`localhost`", ""},
	{"GRANT SELECT ON `db`.* TO `app`@`%`; DROP USER `root`", ""},
	{"GRANT SELECT ON `db`.* TO `app`@`%", ""},
	{"DROP USER `app`@`%`", ""},
	{"GRANT SELECT ON `db`.* TO", ""},
}

const cloneAccount = "'app_clone'@'%'"

func TestRegrant(t *testing.T) {
	t.Parallel()
	for _, tt := range regrantTests {
		got, err := regrant(tt.line, "app", "%", cloneAccount)
		switch {
		case tt.want == "" && !errors.Is(err, errGrantLine):
			t.Errorf("regrant(%s) = %q, %v; want errGrantLine", tt.line, got, err)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("regrant(%s) = %q, %v\nwant %q", tt.line, got, err, tt.want)
		}
	}
}

// FuzzRegrant checks that whatever the line, regrant either refuses it or
// returns one statement that ends with the new account (and an option),
// whose words up to the grantee are the line's.
func FuzzRegrant(f *testing.F) {
	for _, tt := range regrantTests {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := regrant(line, "app", "%", cloneAccount)
		if err != nil {
			if err != errGrantLine { // the one error, which quotes nothing of the line
				t.Fatalf("error %v for %q", err, line)
			}
			return
		}
		rest := strings.TrimSuffix(strings.TrimSuffix(got, " WITH ADMIN OPTION"), " WITH GRANT OPTION")
		prefix, ok := strings.CutSuffix(rest, " "+cloneAccount)
		if !ok {
			t.Fatalf("regrant(%q) = %q, which does not end with the account", line, got)
		}
		words, ok := splitWords(prefix)
		lineWords, _ := splitWords(line)
		if !ok || len(words) > len(lineWords) || strings.Join(words, " ") != strings.Join(lineWords[:len(words)], " ") {
			t.Fatalf("regrant(%q) = %q, whose beginning is not the line's", line, got)
		}
	})
}
