package jdbcstyle

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestEngineString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Engine
		want string
	}{{MySQL, "mysql"}, {Postgres, "postgres"}, {Engine(0), "Engine(0)"}}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.e.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEngineAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		secretEngine   string
		mysql, postgre bool
	}{
		{"", true, true},
		{"mysql", true, false},
		{"mariadb", true, false},
		{"aurora-mysql", true, false},
		{"postgres", false, true},
		{"aurora-postgresql", false, true},
		{"redshift", false, true},
		{"oracle", false, false},
		{"sqlserver", false, false},
		{"mongo", false, false},
	}
	for _, tt := range tests {
		t.Run("engine "+tt.secretEngine, func(t *testing.T) {
			t.Parallel()
			if got := MySQL.accepts(tt.secretEngine); got != tt.mysql {
				t.Errorf("MySQL: got %v, want %v", got, tt.mysql)
			}
			if got := Postgres.accepts(tt.secretEngine); got != tt.postgre {
				t.Errorf("Postgres: got %v, want %v", got, tt.postgre)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	my := func(n uint16) error { return &mysql.MySQLError{Number: n, Message: "m"} }
	pg := func(code string) error { return &pgconn.PgError{Code: code} }
	pgFrom := func(code, routine, msg string) error {
		return &pgconn.PgError{Code: code, Routine: routine, Message: msg}
	}
	tests := []struct {
		name   string
		engine engineDriver
		err    error
		want   failure
	}{
		{"mysql 1045", &mysqlDriver{}, my(1045), authFailure},
		{"mysql 1698", &mysqlDriver{}, my(1698), authFailure},
		{"mysql 1045 wrapped", &mysqlDriver{}, fmt.Errorf("x: %w", my(1045)), authFailure},
		{"mysql 3118 locked", &mysqlDriver{}, my(3118), denied},
		{"mysql 3955 password lock", &mysqlDriver{}, my(3955), denied},
		{"mariadb 4150", &mysqlDriver{}, my(4150), denied},
		{"mariadb 4151", &mysqlDriver{}, my(4151), denied},
		{"mysql 1049 unknown database", &mysqlDriver{}, my(1049), otherFailure},
		{"mysql bad conn", &mysqlDriver{}, driver.ErrBadConn, otherFailure},
		{"postgres 28P01", &postgresDriver{}, pg("28P01"), authFailure},
		{"postgres 28000 without a routine (RDS Proxy)", &postgresDriver{}, pg("28000"), unknownCredentials},
		{"postgres 28000 ident", &postgresDriver{}, pgFrom("28000", "auth_failed", `Ident authentication failed for user "app"`), authFailure},
		{"postgres 28000 NOLOGIN", &postgresDriver{}, pgFrom("28000", "InitializeSessionUserId", `role "app" is not permitted to log in`), denied},
		{"postgres 28000 pg_hba reject", &postgresDriver{}, pgFrom("28000", "ClientAuthentication", `pg_hba.conf rejects connection for host "127.0.0.1", user "app", database "db", no encryption`), denied},
		{"postgres 28000 no pg_hba entry", &postgresDriver{}, pgFrom("28000", "ClientAuthentication", `no pg_hba.conf entry for host "10.0.0.1"`), denied},
		{"postgres 28000 NOLOGIN without routine", &postgresDriver{}, pgFrom("28000", "", `role "app" is not permitted to log in`), denied},
		{"postgres 28P01 wrapped", &postgresDriver{}, fmt.Errorf("x: %w", pg("28P01")), authFailure},
		{"postgres 3D000 unknown database", &postgresDriver{}, pg("3D000"), otherFailure},
		{"postgres other", &postgresDriver{}, errors.New("refused"), otherFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.engine.classify(tt.err); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
