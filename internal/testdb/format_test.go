package testdb

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestFormatHidesAdminPassword prints a Server with every common verb, as a
// pointer, as a value (what fmt sees of a struct holding one) and inside
// another struct, and checks that the admin password never shows.
func TestFormatHidesAdminPassword(t *testing.T) {
	t.Parallel()
	const password = "adm1n-s3cret"
	servers := []*Server{{
		Engine: EngineMySQL, Host: "127.0.0.1", Port: 3306,
		dialect:   mysqlDialect{base: mysql.NewConfig()},
		adminUser: "admin", adminPassword: newSecret(password),
	}, {
		Engine: EnginePostgres, Host: "127.0.0.1", Port: 5432,
		dialect:   postgresDialect{base: url.URL{Scheme: "postgres", Host: "127.0.0.1:5432"}},
		adminUser: "postgres", adminPassword: newSecret(password),
	}}
	for _, s := range servers {
		// reflect copies the Server without vet's copylocks objection, which
		// keeps callers from doing the same.
		value := reflect.ValueOf(s).Elem().Interface()
		forms := map[string]any{
			"pointer":        s,
			"value":          value,
			"field":          struct{ srv *Server }{s},
			"secret":         s.adminPassword,
			"secret pointer": &s.adminPassword,
		}
		for form, arg := range forms {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
				t.Run(s.Engine+"/"+form+"/"+verb, func(t *testing.T) {
					got := fmt.Sprintf(verb, arg)
					if strings.Contains(got, password) || strings.Contains(got, fmt.Sprintf("%x", password)) {
						t.Errorf("Sprintf(%q, %s) = %s, want no admin password", verb, form, got)
					}
				})
			}
		}
	}
	if got, want := fmt.Sprintf("%#v", servers[0]), `&testdb.Server{Engine:"mysql", Host:"127.0.0.1", Port:3306}`; got != want {
		t.Errorf("Sprintf(%%#v) = %s, want %s", got, want)
	}
	if got := newSecret(password).reveal(); got != password {
		t.Errorf("reveal() = %q, want the password", got)
	}
}
