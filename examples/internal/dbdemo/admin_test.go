package dbdemo

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestAdminOpen(t *testing.T) {
	t.Parallel()
	pool := new(sql.DB) // never used: Open only hands it back
	tests := []struct {
		name  string
		eng   Engine
		admin Admin
		want  Addr
	}{
		{"mysql default", MySQL, Admin{}, Addr{Host: "127.0.0.1", Port: 3306}},
		{"mysql DSN", MySQL, Admin{DSN: "root:pw@tcp(db.local:3307)/app"}, Addr{Host: "db.local", Port: 3307, Database: "app"}},
		{"mysql DSN overridden", MySQL, Admin{DSN: "root@tcp(db.local:3307)/app", Addr: Addr{Host: "h", Database: "d"}}, Addr{Host: "h", Port: 3307, Database: "d"}},
		{"mysql Unix socket", MySQL, Admin{DSN: "root@unix(/run/mysqld/mysqld.sock)/app"}, Addr{Database: "app"}},
		{"postgres default", Postgres, Admin{}, Addr{Host: "127.0.0.1", Port: 5432, Database: "postgres"}},
		{"postgres URL overridden", Postgres, Admin{DSN: "postgres://u:pw@db.local:5433/app", Addr: Addr{Port: 6000}}, Addr{Host: "db.local", Port: 6000, Database: "app"}},
		{"pool", Postgres, Admin{DB: pool, Addr: Addr{Host: "h", Port: 1}}, Addr{Host: "h", Port: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, got, err := tt.admin.Open(tt.eng)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if db != tt.admin.DB {
				defer db.Close()
			}
			if got != tt.want {
				t.Errorf("got address %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAdminOpenErrors(t *testing.T) {
	t.Parallel()
	const password = "S3CRETPW"
	tests := []struct {
		name  string
		eng   Engine
		admin Admin
	}{
		{"pool without address", MySQL, Admin{DB: new(sql.DB), Addr: Addr{Host: "h"}}},
		{"bad mysql DSN", MySQL, Admin{DSN: "root:" + password + "@tcp(db.local:port)/"}},
		{"bad postgres URL", Postgres, Admin{DSN: "postgres://u:" + password + "@db.local:port/app"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := tt.admin.Open(tt.eng)
			if err == nil {
				t.Fatal("Open = nil error, want one")
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// TestRunNeedsTCP gives the demo an admin DSN on a Unix socket, which
// cannot tell the secret where the server listens.
func TestRunNeedsTCP(t *testing.T) {
	t.Parallel()
	opts := options{Admin: Admin{DSN: "root@unix(/nonexistent.sock)/"}}
	var out bytes.Buffer
	err := run(context.Background(), &out, MySQL, opts)
	if err == nil || !strings.Contains(err.Error(), "-host and -port") {
		t.Errorf("run = %v, want an error asking for -host and -port", err)
	}
	if out.Len() != 0 {
		t.Errorf("output %q, want none", &out)
	}
}
