package jdbcstyle

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache"
)

// TestRegisteredDrivers opens databases with sql.Open, as a service does,
// through the default caches built from the standard AWS configuration,
// here pointed at the in-process Secrets Manager by the endpoint param. It
// sets environment variables, so it does not run in parallel.
func TestRegisteredDrivers(t *testing.T) {
	isolateAWSEnv(t)
	tests := []struct {
		engine      Engine
		driverName  string
		passThrough string
		check       string // a query that only works with passThrough applied
	}{
		{MySQL, DriverMySQL, "parseTime=true", "SELECT NOW()"},
		{Postgres, DriverPostgres, "application_name=jdbcstyle-test", "SELECT '2000-01-01'::timestamp WHERE current_setting('application_name') = 'jdbcstyle-test'"},
	}
	for _, tt := range tests {
		t.Run(tt.engine.String(), func(t *testing.T) {
			e := newEnv(t, tt.engine)
			user, pw := e.newUser(t, "open")
			arn, err := e.sm.CreateSecret(e.id, e.secretJSON(t, user, pw))
			if err != nil {
				t.Fatal(err)
			}
			// Secrets are regional: the eu-west-1 client reads a replica.
			if _, err := e.sm.Client().ReplicateSecretToRegions(testContext(t), &secretsmanager.ReplicateSecretToRegionsInput{
				SecretId: aws.String(arn), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}},
			}); err != nil {
				t.Fatal(err)
			}
			endpoint := "endpoint=" + url.QueryEscape(e.sm.URL)
			before := DriverStats().Logins
			for _, dsn := range []string{
				e.dsn("?region=eu-west-1&" + endpoint + "&" + tt.passThrough),
				// The region of the ARN is used; the secret ID is given once.
				strings.Replace(e.dsn("?"+endpoint+"&"+tt.passThrough), e.id, arn, 1),
			} {
				db, err := sql.Open(tt.driverName, dsn)
				if err != nil {
					t.Fatalf("sql.Open: %v", err)
				}
				defer db.Close()
				var got time.Time
				if err := db.QueryRowContext(testContext(t), tt.check).Scan(&got); err != nil {
					t.Fatalf("query needing %s: %v", tt.passThrough, err)
				}
			}
			if got := DriverStats().Logins; got < before+2 {
				t.Errorf("DriverStats: got %d logins, want at least %d", got, before+2)
			}
			for _, region := range []string{"eu-west-1", "us-east-1"} {
				l := defaultCache(region, e.sm.URL)
				if l.c.Load() == nil {
					t.Errorf("default cache for %s: not built, want built by the first Connect", region)
				}
			}
		})
	}
}

func TestOpenConnectorErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, driverName, dsn, want string
	}{
		{"bad DSN", DriverMySQL, "app:hunter2@tcp(db)/x", "jdbcstyle: dsn: "},
		{"bad mysql param", DriverMySQL, "db?parseTime=hunter2", "jdbcstyle: dsn: param parseTime: refused by the mysql driver"},
		{"bad postgres param", DriverPostgres, "db?sslmode=hunter2", "jdbcstyle: dsn: param sslmode: refused by the postgres driver"},
		{"postgres sslpassword not echoed", DriverPostgres, "db?sslpassword=hunter2&sslmode=sometimes", "jdbcstyle: dsn: param sslmode: refused by the postgres driver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := sql.Open(tt.driverName, tt.dsn)
			if err == nil {
				db.Close()
				t.Fatalf("sql.Open: got no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("got %q, want the prefix %q and no password", err, tt.want)
			}
		})
	}
}

// isolateAWSEnv points the standard AWS configuration at static test
// credentials and nothing else: no profile, region or endpoint from the
// machine. It sets environment variables, so its callers do not run in
// parallel.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_PROFILE": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
	} {
		t.Setenv(k, v)
	}
}

// TestDefaultCacheUserAgent checks that the client of a default cache
// tags its requests with the library's user-agent token, as the client
// secretcache.New builds does. It sets environment variables, so it does
// not run in parallel.
func TestDefaultCacheUserAgent(t *testing.T) {
	isolateAWSEnv(t)
	agents := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case agents <- r.Header.Get("User-Agent"):
		default:
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write([]byte(`{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf","Name":"db","VersionId":"v1","SecretString":"{}","VersionStages":["AWSCURRENT"]}`))
	}))
	defer srv.Close()
	// A lazyCache of its own, not the shared default, so that the test can
	// close what it built.
	l := &lazyCache{key: cacheKey{region: "us-east-1", endpoint: srv.URL}}
	cache, err := l.cache()
	if err != nil {
		t.Fatalf("build the default cache: %v", err)
	}
	defer cache.Close()
	if _, err := cache.GetSecretString("db"); err != nil {
		t.Fatalf("GetSecretString: %v", err)
	}
	got := <-agents
	if want := "secretcache-go/" + secretcache.ModuleVersion; !strings.Contains(got, want) {
		t.Errorf("got User-Agent %q, want it to contain %q", got, want)
	}
}
