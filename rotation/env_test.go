package rotation

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

func TestDatabaseFromEnv(t *testing.T) {
	t.Parallel()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, testdb.UntrustedCAPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		EnvScheme: "alternating-users", EnvEngine: "postgres", EnvTLS: "verify-full", EnvTLSCAFile: ca,
		EnvConnectTimeout: "2s", EnvUsernameLimit: "63", EnvPasswordLength: "40", EnvExcludeCharacters: "/@",
		EnvExcludePunctuation: "YES", EnvRequireEachIncludedType: "false",
	}
	d, err := DatabaseFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if d.Scheme != AlternatingUsers || d.Engine != Postgres || d.TLS.Mode != TLSVerifyFull || d.TLS.RootCAs == nil ||
		d.ConnectTimeout != 2*time.Second || d.MaxUsernameLength != 63 {
		t.Errorf("got %+v", d)
	}
	want := PasswordOptions{Length: 40, ExcludeCharacters: "/@", ExcludePunctuation: true, AllowMissingTypes: true}
	if d.Password != want {
		t.Errorf("Password = %+v, want %+v", d.Password, want)
	}

	d, err = DatabaseFromEnv(func(string) string { return "" })
	if err != nil || d.Scheme != SingleUser || d.Engine != AnyEngine || d.TLS.Mode != TLSRequire || d.Password != (PasswordOptions{}) {
		t.Errorf("with nothing set: %+v, %v; want the zero Database", d, err)
	}
}

func TestDatabaseFromEnvErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		EnvScheme: "multi", EnvEngine: "oracle", EnvTLS: "prefer", EnvTLSCAFile: "/nonexistent.pem",
		EnvConnectTimeout: "5", EnvUsernameLimit: "-1", EnvPasswordLength: "4097", EnvExcludeNumbers: "maybe",
	} {
		_, err := DatabaseFromEnv(func(k string) string {
			if k == name {
				return value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), name) && name != EnvTLSCAFile {
			t.Errorf("%s=%s: %v, want an error naming the variable", name, value, err)
		}
	}
}
