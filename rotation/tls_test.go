package rotation

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// TestTLSByDefault rotates with TLS settings against servers with and
// without TLS: the default refuses a server without TLS, and a CA that did
// not sign the server's certificate fails verification; either way the
// rotation stops at setSecret's first login with AWSCURRENT working.
func TestTLSByDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tlsSrv   bool
		tls      func(*testdb.Server, *testing.T) TLS
		wantKind Kind // -1: the rotation completes
		wantText string
	}{
		{"default against a server without TLS", false, func(*testdb.Server, *testing.T) TLS { return TLS{} }, TLSFailed, "no TLS connection"},
		{"default against a TLS server", true, func(*testdb.Server, *testing.T) TLS { return TLS{} }, -1, ""},
		{"CA of the server", true, func(s *testdb.Server, _ *testing.T) TLS { return TLS{RootCAs: s.RootCAs()} }, -1, ""},
		{"CA that signed nothing", true, func(_ *testdb.Server, t *testing.T) TLS { return TLS{RootCAs: testdb.UntrustedRootCAs(t)} }, TLSFailed, "certificate"},
		{"verify-full with the system roots", true, func(*testdb.Server, *testing.T) TLS { return TLS{Mode: TLSVerifyFull} }, TLSFailed, "certificate"},
		{"verify-full with the server's CA", true, func(s *testdb.Server, _ *testing.T) TLS { return TLS{Mode: TLSVerifyFull, RootCAs: s.RootCAs()} }, -1, ""},
	}
	for _, c := range dbCases {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c := c // the subtests of c run in parallel
				if tt.tlsSrv {
					c.server = map[string]func(testing.TB) *testdb.Server{"mysql": testdb.MySQLTLS, "postgres": testdb.PostgresTLS}[strings.Split(c.name, "/")[0]]
				}
				e := newDBEnv(t, c, oneAttempt)
				e.configure(func(_ *Handler, d *Database) { d.TLS = tt.tls(e.srv, t) })
				_, err := e.rotate()
				if tt.wantKind == -1 {
					if err != nil {
						t.Fatalf("rotation: %v", err)
					}
					if got, want := e.table(), wantTables[c.scheme]["1 after finishSecret"]; got != want {
						t.Errorf("after the rotation: %s, want %s", got, want)
					}
					return
				}
				// setSecret's first login: AWSCURRENT's for a single user,
				// AWSPENDING's for alternating users.
				first := map[Scheme]string{SingleUser: StageCurrent, AlternatingUsers: StagePending}[c.scheme]
				var re *Error
				if !errors.As(err, &re) || re.Kind != tt.wantKind || re.Step != SetSecret || re.Stage != first {
					t.Fatalf("rotation: %v, want a %v error at setSecret's %s login", err, tt.wantKind, first)
				}
				if !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("error %q does not say %q", err, tt.wantText)
				}
				if got := e.table(); got != "✓ ✗ –" {
					t.Errorf("after the failed rotation: %s, want ✓ ✗ –", got)
				}
			})
		}
	}
}

func testPool(t *testing.T) *x509.CertPool { return testdb.UntrustedRootCAs(t) }

func TestTLSConfig(t *testing.T) {
	t.Parallel()
	if c := (TLS{Mode: TLSDisable}).config("db"); c != nil {
		t.Errorf("TLSDisable: config %v, want nil", c)
	}
	if c := (TLS{}).config("db"); c == nil || !c.InsecureSkipVerify {
		t.Errorf("TLSRequire without a CA: want encryption without verification")
	}
	for _, tls := range []TLS{{RootCAs: testPool(t)}, {Mode: TLSVerifyFull}} {
		if c := tls.config("db"); c == nil || c.InsecureSkipVerify || c.ServerName != "db" {
			t.Errorf("%+v: want verification of host db", tls)
		}
	}
}

// TestRefusedForOtherReasonsThanThePassword makes PostgreSQL refuse the
// login for what is not the password, with SQLSTATE 28000 like a refused
// password: pg_hba.conf wants TLS the function does not use, or the role
// may not log in. The error says so, not that the database holds none of
// the versions' passwords.
func TestRefusedForOtherReasonsThanThePassword(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		c     dbCase
		setup func(e *dbEnv)
		kind  Kind
		text  string
	}{
		{"TLS required by pg_hba.conf", tlsCases()[2], func(e *dbEnv) {
			e.configure(func(_ *Handler, d *Database) { d.TLS = TLS{Mode: TLSDisable} })
		}, TLSFailed, "pg_hba.conf"},
		{"TLS required by pg_hba.conf, alternating", tlsCases()[3], func(e *dbEnv) {
			e.configure(func(_ *Handler, d *Database) { d.TLS = TLS{Mode: TLSDisable} })
		}, TLSFailed, "pg_hba.conf"},
		{"NOLOGIN", dbCases[2], func(e *dbEnv) {
			e.adminExec("ALTER ROLE " + e.user + " NOLOGIN")
		}, LoginRefused, "not permitted to log in"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newDBEnv(t, tt.c, oneAttempt)
			tt.setup(e)
			_, err := e.rotate()
			var re *Error
			if !errors.As(err, &re) || re.Kind != tt.kind || re.Step != SetSecret {
				t.Fatalf("rotation: %v, want a %v error at setSecret", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.text) || strings.Contains(err.Error(), "matches none") {
				t.Errorf("error %q, want one that says %q and does not blame the passwords", err, tt.text)
			}
		})
	}
}
