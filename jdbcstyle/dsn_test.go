package jdbcstyle

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const testARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:prod/app/db-AbCdEf"

// rdsARN names a secret that RDS created for a master user: AWS services
// put '!' in the names of the secrets they manage.
const rdsARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0b5c1d2e-aaaa-bbbb-cccc-123456789012-AbCdEf"

// dsnTests is shared by TestParseDSN and the seeds of FuzzParseDSN.
var dsnTests = []struct {
	name        string
	in          string
	want        *Config // nil when an error is expected
	wantParam   string
	wantProblem string
}{
	{name: "name only", in: "prod/app/db",
		want: &Config{SecretID: "prod/app/db", LoginTimeout: 30 * time.Second}},
	{name: "every name character", in: "a/b_c+d=e.f@g-h9Z",
		want: &Config{SecretID: "a/b_c+d=e.f@g-h9Z", LoginTimeout: 30 * time.Second}},
	{name: "RDS-managed instance secret", in: "rds!db-0b5c1d2e-aaaa-bbbb-cccc-123456789012?host=db.internal",
		want: &Config{SecretID: "rds!db-0b5c1d2e-aaaa-bbbb-cccc-123456789012", Host: "db.internal", LoginTimeout: 30 * time.Second}},
	{name: "RDS-managed cluster secret", in: "rds!cluster-0b5c1d2e-aaaa-bbbb-cccc-123456789012",
		want: &Config{SecretID: "rds!cluster-0b5c1d2e-aaaa-bbbb-cccc-123456789012", LoginTimeout: 30 * time.Second}},
	{name: "Redshift-managed secret", in: "redshift!prod-cluster-admin",
		want: &Config{SecretID: "redshift!prod-cluster-admin", LoginTimeout: 30 * time.Second}},
	{name: "ARN of an RDS-managed secret", in: rdsARN + "?host=db.internal&dbname=shop",
		want: &Config{SecretID: rdsARN, Host: "db.internal", DBName: "shop", Region: "us-east-1", LoginTimeout: 30 * time.Second}},
	{name: "empty query", in: "db?",
		want: &Config{SecretID: "db", LoginTimeout: 30 * time.Second}},
	{name: "ARN gives the region", in: testARN,
		want: &Config{SecretID: testARN, Region: "eu-west-3", LoginTimeout: 30 * time.Second}},
	{name: "region param beats the ARN", in: testARN + "?region=us-east-1",
		want: &Config{SecretID: testARN, Region: "us-east-1", LoginTimeout: 30 * time.Second}},
	{name: "partial ARN in another partition", in: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db",
		want: &Config{SecretID: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db", Region: "us-gov-west-1", LoginTimeout: 30 * time.Second}},
	{name: "all of ours", in: "db?host=db.internal&port=6432&dbname=shop&region=us-west-2&endpoint=http://127.0.0.1:4566&fallback=false&loginTimeout=1m30s",
		want: &Config{SecretID: "db", Host: "db.internal", Port: 6432, DBName: "shop", Region: "us-west-2",
			Endpoint: "http://127.0.0.1:4566", NoFallback: true, LoginTimeout: 90 * time.Second}},
	{name: "driver params untouched and in order", in: "db?parseTime=true&host=h&loc=Europe%2FParis&sslmode=require&x=1&flag",
		want: &Config{SecretID: "db", Host: "h", LoginTimeout: 30 * time.Second, DriverParams: "parseTime=true&loc=Europe%2FParis&sslmode=require&x=1&flag"}},
	{name: "fallback policies and login concurrency", in: "db?fallbackPrevious=any&loginConcurrency=8",
		want: &Config{SecretID: "db", Previous: PreviousAny, LoginConcurrency: 8, LoginTimeout: 30 * time.Second}},
	{name: "previous never", in: "db?FallbackPrevious=NEVER",
		want: &Config{SecretID: "db", Previous: PreviousNever, LoginTimeout: 30 * time.Second}},
	{name: "bare IPv6 host", in: "db?host=fe80::1",
		want: &Config{SecretID: "db", Host: "fe80::1", LoginTimeout: 30 * time.Second}},
	{name: "our names in any case", in: "db?HOST=h&LoginTimeout=5s&Fallback=0",
		want: &Config{SecretID: "db", Host: "h", NoFallback: true, LoginTimeout: 5 * time.Second}},
	{name: "escaped name and value", in: "db?re%67ion=ap-south-1&endpoint=https%3A%2F%2Fsm.example.com%2Fp",
		want: &Config{SecretID: "db", Region: "ap-south-1", Endpoint: "https://sm.example.com/p", LoginTimeout: 30 * time.Second}},
	{name: "empty segments", in: "db?&&parseTime=true&",
		want: &Config{SecretID: "db", LoginTimeout: 30 * time.Second, DriverParams: "parseTime=true"}},
	{name: "fallback true", in: "db?fallback=true",
		want: &Config{SecretID: "db", LoginTimeout: 30 * time.Second}},
	{name: "bracketed IPv6 host", in: "db?host=[::1]",
		want: &Config{SecretID: "db", Host: "::1", LoginTimeout: 30 * time.Second}},
	{name: "unix socket host", in: "db?host=/var/run/postgresql",
		want: &Config{SecretID: "db", Host: "/var/run/postgresql", LoginTimeout: 30 * time.Second}},

	{name: "empty", in: "", wantProblem: problemEmptyID},
	{name: "params without id", in: "?host=h", wantProblem: problemEmptyID},
	{name: "space in id", in: "my db", wantProblem: problemIDChar},
	{name: "tab in id", in: "rds!db\t1", wantProblem: problemIDChar},
	{name: "fragment in id", in: "rds!db-1#x", wantProblem: problemIDChar},
	{name: "ampersand in id", in: "rds!db-1&host=h", wantProblem: problemIDChar},
	{name: "percent in id", in: "rds%21db-1", wantProblem: problemIDChar},
	{name: "mysql DSN given by mistake", in: "app:hunter2@tcp(db:3306)/shop", wantProblem: problemIDChar},
	{name: "URL given by mistake", in: "postgres://app:hunter2@db/shop", wantProblem: problemBadARN},
	{name: "colon outside an ARN", in: "app:hunter2@db", wantProblem: problemBadARN},
	{name: "ARN of another service", in: "arn:aws:s3:::bucket", wantProblem: problemBadARN},
	{name: "ARN without region", in: "arn:aws:secretsmanager::123456789012:secret:db", wantProblem: problemBadARN},
	{name: "ARN without name", in: "arn:aws:secretsmanager:us-east-1:123456789012:secret:", wantProblem: problemBadARN},
	{name: "id too long", in: strings.Repeat("a", 2049), wantProblem: problemIDTooLong},
	{name: "port not a number", in: "db?port=abc", wantParam: "port", wantProblem: problemPort},
	{name: "port zero", in: "db?port=0", wantParam: "port", wantProblem: problemPort},
	{name: "port too large", in: "db?port=70000", wantParam: "port", wantProblem: problemPort},
	{name: "port empty", in: "db?port=", wantParam: "port", wantProblem: problemEmptyValue},
	{name: "port without value", in: "db?port", wantParam: "port", wantProblem: problemEmptyValue},
	{name: "port twice", in: "db?port=1&port=1", wantParam: "port", wantProblem: problemRepeated},
	{name: "host twice in other case", in: "db?host=a&Host=a", wantParam: "host", wantProblem: problemRepeated},
	{name: "host with a space", in: "db?host=a%20b", wantParam: "host", wantProblem: problemHostSpace},
	{name: "host with a port", in: "db?host=db:3306", wantParam: "host", wantProblem: problemHostPort},
	{name: "bracketed host with a port", in: "db?host=[::1]:5432", wantParam: "host", wantProblem: problemHostPort},
	{name: "brackets around a name", in: "db?host=[db]", wantParam: "host", wantProblem: problemHostIPv6},
	{name: "host with a no-break space", in: "db?host=db%C2%A0", wantParam: "host", wantProblem: problemHostSpace},
	{name: "host with an ideographic space", in: "db?host=%E3%80%80db", wantParam: "host", wantProblem: problemHostSpace},
	{name: "host with a byte order mark", in: "db?host=%EF%BB%BFdb", wantParam: "host", wantProblem: problemHostSpace},
	{name: "host with a zero-width space", in: "db?host=d%E2%80%8Bb", wantParam: "host", wantProblem: problemHostSpace},
	{name: "host not UTF-8", in: "db?host=d%FFb", wantParam: "host", wantProblem: problemHostSpace},
	{name: "host list", in: "db?host=db1,db2", wantParam: "host", wantProblem: problemHostChar},
	{name: "host with user info", in: "db?host=user%40db", wantParam: "host", wantProblem: problemHostChar},
	{name: "host with a path", in: "db?host=db%2Fx", wantParam: "host", wantProblem: problemHostChar},
	{name: "host with a query", in: "db?host=db%3Fx", wantParam: "host", wantProblem: problemHostChar},
	{name: "host with a fragment", in: "db?host=db%23x", wantParam: "host", wantProblem: problemHostChar},
	{name: "driver param twice", in: "db?sslmode=verify-full&sslmode=disable", wantParam: "sslmode", wantProblem: problemRepeated},
	{name: "driver param twice in other case", in: "db?tls=true&TLS=false", wantParam: "TLS", wantProblem: problemRepeated},
	{name: "previous policy unknown", in: "db?fallbackPrevious=sometimes", wantParam: "fallbackPrevious", wantProblem: problemPolicy},
	{name: "login concurrency zero", in: "db?loginConcurrency=0", wantParam: "loginConcurrency", wantProblem: problemConcurrency},
	{name: "fallback not a bool", in: "db?fallback=maybe", wantParam: "fallback", wantProblem: problemBool},
	{name: "loginTimeout without unit", in: "db?loginTimeout=30", wantParam: "loginTimeout", wantProblem: problemDuration},
	{name: "loginTimeout zero", in: "db?loginTimeout=0s", wantParam: "loginTimeout", wantProblem: problemDuration},
	{name: "loginTimeout negative", in: "db?loginTimeout=-1s", wantParam: "loginTimeout", wantProblem: problemDuration},
	{name: "region malformed", in: "db?region=US_EAST", wantParam: "region", wantProblem: problemRegion},
	{name: "endpoint without scheme", in: "db?endpoint=localhost:4566", wantParam: "endpoint", wantProblem: problemEndpoint},
	{name: "endpoint ftp", in: "db?endpoint=ftp://h", wantParam: "endpoint", wantProblem: problemEndpoint},
	{name: "endpoint with credentials", in: "db?endpoint=http://k:hunter2@h", wantParam: "endpoint", wantProblem: problemEndpoint},
	{name: "bad escape in a value", in: "db?dbname=%zz", wantParam: "dbname", wantProblem: problemEscape},
	{name: "bad escape in a name", in: "db?%zz=1", wantProblem: problemKeyEscape},
	{name: "password param", in: "db?password=hunter2", wantParam: "password", wantProblem: problemCredentials},
	{name: "user param", in: "db?User=app", wantParam: "user", wantProblem: problemCredentials},
}

func TestParseDSN(t *testing.T) {
	t.Parallel()
	for _, tt := range dsnTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDSN(tt.in)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("ParseDSN: got error %q, want none", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %+v, want %+v", *got, *tt.want)
				}
				return
			}
			var de *DSNError
			if !errors.As(err, &de) {
				t.Fatalf("got error %v (%T), want a *DSNError", err, err)
			}
			if de.Param != tt.wantParam || de.Problem != tt.wantProblem {
				t.Errorf("got param %q problem %q, want %q %q", de.Param, de.Problem, tt.wantParam, tt.wantProblem)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "jdbcstyle: ") || strings.Contains(msg, "hunter2") {
				t.Errorf("got error %q, want the jdbcstyle prefix and no password", msg)
			}
		})
	}
}

func TestFormatDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Config
		want string
	}{
		{"defaults", Config{SecretID: "db"}, "db"},
		{"default timeout written out", Config{SecretID: "db", LoginTimeout: DefaultLoginTimeout}, "db"},
		{"region of the ARN left out", Config{SecretID: testARN, Region: "eu-west-3"}, testARN},
		{"RDS-managed secret", Config{SecretID: rdsARN, Region: "us-east-1", Host: "h"}, rdsARN + "?host=h"},
		{"everything", Config{SecretID: "db", Host: "::1", Port: 1, DBName: "a b", Region: "us-east-1",
			Endpoint: "http://h:1", NoFallback: true, LoginTimeout: time.Second, DriverParams: "parseTime=true"},
			"db?host=%3A%3A1&port=1&dbname=a+b&region=us-east-1&endpoint=http%3A%2F%2Fh%3A1&fallback=false&loginTimeout=1s&parseTime=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.FormatDSN(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

var dsnProblems = []string{problemEmptyID, problemIDTooLong, problemIDChar, problemBadARN, problemRepeated,
	problemEmptyValue, problemEscape, problemKeyEscape, problemPort, problemBool, problemDuration,
	problemHostEmpty, problemHostSpace, problemHostPort, problemHostIPv6, problemHostChar, problemPolicy, problemConcurrency,
	problemRegion, problemEndpoint, problemCredentials}

func FuzzParseDSN(f *testing.F) {
	for _, tt := range dsnTests {
		f.Add(tt.in)
	}
	names := append([]string{""}, credentialParams...)
	for _, p := range dsnParams {
		names = append(names, p.name)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		c, err := ParseDSN(dsn)
		if err != nil {
			var de *DSNError
			// A driver param given twice is named: names come from the
			// DSN's keys, never its values.
			if !errors.As(err, &de) || !slices.Contains(dsnProblems, de.Problem) ||
				!slices.Contains(names, de.Param) && (de.Problem != problemRepeated || !strings.Contains(dsn, de.Param)) {
				t.Fatalf("error %q is not a DSNError made of fixed text", err)
			}
			return
		}
		for _, seg := range strings.Split(c.DriverParams, "&") {
			key, _, _ := strings.Cut(seg, "=")
			if k, err := url.QueryUnescape(key); err == nil && paramIndex(k) >= 0 {
				t.Fatalf("our param %q reaches the driver", k)
			}
		}
		again, err := ParseDSN(c.FormatDSN())
		if err != nil {
			t.Fatalf("ParseDSN(FormatDSN()) of %q: %v", dsn, err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip of %q: got %+v, want %+v", dsn, *again, *c)
		}
	})
}
