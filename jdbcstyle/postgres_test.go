package jdbcstyle

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestPostgresURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, params string
		a            address
		user         string
		wantHost     string
		wantPort     uint16
	}{
		{"tcp", "sslmode=disable", address{host: "db.example.com", port: 6432, dbname: "shop"}, "app", "db.example.com", 6432},
		{"ipv6", "sslmode=disable", address{host: "::1", port: 5432, dbname: "shop"}, "app", "::1", 5432},
		{"unix socket", "sslmode=disable", address{host: "/var/run/postgresql", port: 5433, dbname: "shop"}, "app", "/var/run/postgresql", 5433},
		{"odd user and db", "", address{host: "h", port: 5432, dbname: "my db/1"}, "a@b:c d", "h", 5432},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &postgresDriver{params: tt.params}
			u := d.url(tt.a, tt.user)
			cfg, err := pgx.ParseConfig(u)
			if err != nil {
				t.Fatalf("pgx.ParseConfig: %v", err)
			}
			if cfg.Host != tt.wantHost || cfg.Port != tt.wantPort || cfg.User != tt.user || cfg.Database != tt.a.dbname {
				t.Errorf("got host %q port %d user %q db %q, want %q %d %q %q",
					cfg.Host, cfg.Port, cfg.User, cfg.Database, tt.wantHost, tt.wantPort, tt.user, tt.a.dbname)
			}
			if strings.Contains(u, "password") {
				t.Errorf("URL %q mentions a password", u)
			}
		})
	}
}

func TestPostgresDriverParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, params string
		wantErr      bool
	}{
		{"none", "", false},
		{"known", "sslmode=require&application_name=app&default_query_exec_mode=exec", false},
		{"bad sslmode", "sslmode=sometimes", true},
		{"bad exec mode", "default_query_exec_mode=fast", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newPostgresDriver(tt.params)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "jdbcstyle: ") {
				t.Errorf("got %q, want the jdbcstyle prefix", err)
			}
		})
	}
}
