package jdbcstyle

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestMySQLConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		params   string
		a        address
		wantNet  string
		wantAddr string
		tls      bool // the params ask for TLS, whose server name mysql.NewConnector derives from Addr
	}{
		{"tcp", "", address{host: "db.example.com", port: 3307, dbname: "shop"}, "tcp", "db.example.com:3307", false},
		{"ipv6", "", address{host: "::1", port: 3306}, "tcp", "[::1]:3306", false},
		{"unix socket", "", address{host: "/run/mysqld/mysqld.sock", port: 3306}, "unix", "/run/mysqld/mysqld.sock", false},
		{"tls name from the secret's host", "tls=true", address{host: "db.example.com", port: 3306}, "tcp", "db.example.com:3306", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := newMySQLDriver(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			cfg := d.config(tt.a, "app")
			if cfg.Net != tt.wantNet || cfg.Addr != tt.wantAddr || cfg.User != "app" || cfg.Passwd != "" || cfg.DBName != tt.a.dbname {
				t.Errorf("got %s(%s) user %q db %q, want %s(%s) user app db %q", cfg.Net, cfg.Addr, cfg.User, cfg.DBName, tt.wantNet, tt.wantAddr, tt.a.dbname)
			}
			if d.base.User != "" || d.base.Passwd != "" {
				t.Errorf("the base config was modified")
			}
			if _, err := d.template(tt.a, "app"); err != nil {
				t.Fatalf("template: %v", err)
			}
			// mysql.NewConnector derives the server name from Addr only when
			// none is set: the base must not have pinned one.
			if tt.tls && (cfg.TLS == nil || cfg.TLS.ServerName != "") {
				t.Fatalf("got a TLS server name fixed before the address was known")
			}
		})
	}
}

func TestMySQLDriverParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, params  string
		wantErr       bool
		wantParseTime bool
	}{
		{"none", "", false, false},
		{"known", "parseTime=true&loc=Local&timeout=5s", false, true},
		{"system variable", "sql_mode=%27ANSI%27", false, false},
		{"bad bool", "parseTime=maybe", true, false},
		{"unknown tls config", "tls=nosuchconfig", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := newMySQLDriver(tt.params)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "jdbcstyle: ") {
				t.Errorf("got %q, want the jdbcstyle prefix", err)
			}
			if err == nil && d.base.ParseTime != tt.wantParseTime {
				t.Errorf("got ParseTime %v, want %v", d.base.ParseTime, tt.wantParseTime)
			}
		})
	}
}

// TestLockedAccount locks a user on the test server and checks the error
// number Connect gets against the constants the ladder stops on: MySQL
// answers ER_ACCOUNT_HAS_BEEN_LOCKED with 3118, MariaDB with 4151.
func TestLockedAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, MySQL)
	ctx := testContext(t)
	user, c, logins := e.userConnector(t, "locked", "")
	e.putSecret(t, e.secretJSON(t, user, randomPassword(t)), stagePending)
	admin := e.db.AdminDB(t)
	rows, err := admin.QueryContext(ctx, "SELECT Host FROM mysql.user WHERE User = ?", user)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if _, err := admin.ExecContext(ctx, "ALTER USER ?@? ACCOUNT LOCK", user, h); err != nil {
			t.Fatalf("lock %s@%s: %v", user, h, err)
		}
	}

	_, err = c.Connect(ctx)
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a *mysql.MySQLError", err)
	}
	if me.Number != mysqlAccountLocked && me.Number != mariadbAccountLocked {
		t.Errorf("got error %d, want ER_ACCOUNT_HAS_BEEN_LOCKED: %d (MySQL) or %d (MariaDB)", me.Number, mysqlAccountLocked, mariadbAccountLocked)
	}
	if got, want := logins.take(), []string{stageCurrent}; !slices.Equal(got, want) {
		t.Errorf("got logins %v, want %v: a lockout is not retried", got, want)
	}
}
