package jdbcstyle

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// testPassword is the password in every secret of the tables, so that the
// tests and the fuzz target can look for it in error texts.
const testPassword = "Pa55-w0rd!uniq"

// secretTests is shared by TestParseSecret and the seeds of FuzzParseSecret.
var secretTests = []struct {
	name    string
	in      string
	want    *Secret // nil when an error is expected
	wantKey string  // SecretError.Key expected when want is nil
}{
	{
		name: "mysql full",
		in:   `{"engine":"mysql","host":"db.example.com","port":3307,"username":"app","password":"` + testPassword + `","dbname":"shop","dbInstanceIdentifier":"db-1"}`,
		want: &Secret{Engine: "mysql", Host: "db.example.com", Port: 3307, Username: "app", Password: testPassword, DBName: "shop", DBInstanceIdentifier: "db-1"},
	},
	{
		name: "mariadb default port",
		in:   `{"engine":"mariadb","host":"h","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Engine: "mariadb", Host: "h", Port: 3306, Username: "u", Password: testPassword},
	},
	{
		name: "aurora-mysql cluster",
		in:   `{"engine":"aurora-mysql","host":"h","username":"u","password":"` + testPassword + `","dbClusterIdentifier":"c-1"}`,
		want: &Secret{Engine: "aurora-mysql", Host: "h", Port: 3306, Username: "u", Password: testPassword, DBClusterIdentifier: "c-1"},
	},
	{
		name: "postgres default port and dbname",
		in:   `{"engine":"postgres","host":"h","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Engine: "postgres", Host: "h", Port: 5432, Username: "u", Password: testPassword, DBName: "postgres"},
	},
	{
		name: "aurora-postgresql",
		in:   `{"engine":"aurora-postgresql","host":"h","username":"u","password":"` + testPassword + `","dbname":"app"}`,
		want: &Secret{Engine: "aurora-postgresql", Host: "h", Port: 5432, Username: "u", Password: testPassword, DBName: "app"},
	},
	{
		name: "oracle with dbname",
		in:   `{"engine":"oracle","host":"h","username":"u","password":"` + testPassword + `","dbname":"ORCL"}`,
		want: &Secret{Engine: "oracle", Host: "h", Port: 1521, Username: "u", Password: testPassword, DBName: "ORCL"},
	},
	{
		name:    "oracle without dbname",
		in:      `{"engine":"oracle","host":"h","username":"u","password":"` + testPassword + `"}`,
		wantKey: "dbname",
	},
	{
		name: "sqlserver defaults",
		in:   `{"engine":"sqlserver","host":"h","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Engine: "sqlserver", Host: "h", Port: 1433, Username: "u", Password: testPassword, DBName: "master"},
	},
	{
		name: "db2 with masterarn",
		in:   `{"engine":"db2","host":"h","username":"u","password":"` + testPassword + `","dbname":"BLUDB","masterarn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf"}`,
		want: &Secret{Engine: "db2", Host: "h", Port: 50000, Username: "u", Password: testPassword, DBName: "BLUDB", MasterARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf"},
	},
	{
		name: "redshift serverless",
		in:   `{"engine":"redshift","host":"h","username":"u","password":"` + testPassword + `","dbname":"dev","namespaceName":"ns"}`,
		want: &Secret{Engine: "redshift", Host: "h", Port: 5439, Username: "u", Password: testPassword, DBName: "dev", NamespaceName: "ns"},
	},
	{
		name: "mongo with ssl",
		in:   `{"engine":"mongo","host":"h","username":"u","password":"` + testPassword + `","ssl":true}`,
		want: &Secret{Engine: "mongo", Host: "h", Port: 27017, Username: "u", Password: testPassword, SSL: true},
	},
	{
		name: "ssl as a string",
		in:   `{"engine":"mongo","host":"h","username":"u","password":"` + testPassword + `","ssl":"true"}`,
		want: &Secret{Engine: "mongo", Host: "h", Port: 27017, Username: "u", Password: testPassword, SSL: true},
	},
	{
		name: "ssl mode as AWS's JDBC library reads it",
		in:   `{"engine":"postgres","username":"u","password":"` + testPassword + `","ssl":"verify-full","port":"5433"}`,
		want: &Secret{Engine: "postgres", Port: 5433, Username: "u", Password: testPassword, DBName: "postgres", SSLMode: "verify-full"},
	},
	{
		name:    "ssl a number",
		in:      `{"engine":"mongo","username":"u","password":"` + testPassword + `","ssl":1}`,
		wantKey: "ssl",
	},
	{
		name: "RDS-managed master secret",
		in:   `{"username":"admin","password":"` + testPassword + `"}`,
		want: &Secret{Username: "admin", Password: testPassword},
	},
	{
		name: "port as a string of digits",
		in:   `{"engine":"mysql","host":"h","port":"3306","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Engine: "mysql", Host: "h", Port: 3306, Username: "u", Password: testPassword},
	},
	{
		name: "port null means absent",
		in:   `{"engine":"postgres","port":null,"username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Engine: "postgres", Port: 5432, Username: "u", Password: testPassword, DBName: "postgres"},
	},
	{
		name: "engine upper case",
		in:   `{"engine":"MySQL","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Engine: "mysql", Port: 3306, Username: "u", Password: testPassword},
	},
	{
		name: "extra keys and whitespace",
		in:   "{\n \"engine\": \"postgres\", \"rotation\": {\"x\": [1,2]}, \"port\" : 6432 ,\n \"username\":\"u\",\"password\":\"" + testPassword + "\"}\n",
		want: &Secret{Engine: "postgres", Port: 6432, Username: "u", Password: testPassword, DBName: "postgres"},
	},
	{
		name: "escaped characters in password",
		in:   `{"username":"u","password":"a\"b\\c\u00e9"}`,
		want: &Secret{Username: "u", Password: "a\"b\\cé"},
	},
	{name: "host with a port", in: `{"host":"db.example.com:5432","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host bracketed with a port", in: `{"host":"[::1]:5432","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host with surrounding white space", in: `{"host":" db.example.com\n","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host of white space only", in: `{"host":"  ","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host with brackets around a name", in: `{"host":"[db]","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host with a no-break space", in: `{"host":"db.example.com\u00a0","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host with a byte order mark", in: `{"host":"\ufeffdb.example.com","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host list", in: `{"host":"db1.example.com,db2.example.com","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host with user info", in: `{"host":"admin@db.example.com","username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "host of unicode letters", in: `{"host":"bücher.example","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Host: "bücher.example", Username: "u", Password: testPassword}},
	{name: "bracketed IPv6 host", in: `{"host":"[::1]","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Host: "::1", Username: "u", Password: testPassword}},
	{name: "bare IPv6 host", in: `{"host":"fd00::5","username":"u","password":"` + testPassword + `"}`,
		want: &Secret{Host: "fd00::5", Username: "u", Password: testPassword}},
	{name: "port with letters", in: `{"port":"33a","username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port with a space", in: `{"port":" 3306","username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port empty string", in: `{"port":"","username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port fraction", in: `{"port":3306.5,"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port exponent", in: `{"port":3e3,"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port negative", in: `{"port":-1,"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port zero", in: `{"port":0,"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port too large", in: `{"port":65536,"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port huge", in: `{"port":123456789012345678901234567890,"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port boolean", in: `{"port":true,"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "port object", in: `{"port":{},"username":"u","password":"` + testPassword + `"}`, wantKey: "port"},
	{name: "unknown engine", in: `{"engine":"cockroach","username":"u","password":"` + testPassword + `"}`, wantKey: "engine"},
	{name: "engine a number", in: `{"engine":5,"username":"u","password":"` + testPassword + `"}`, wantKey: "engine"},
	{name: "host an array", in: `{"host":["a"],"username":"u","password":"` + testPassword + `"}`, wantKey: "host"},
	{name: "missing username", in: `{"password":"` + testPassword + `"}`, wantKey: "username"},
	{name: "empty username", in: `{"username":"","password":"` + testPassword + `"}`, wantKey: "username"},
	{name: "missing password", in: `{"username":"u"}`, wantKey: "password"},
	{name: "null password", in: `{"username":"u","password":null}`, wantKey: "password"},
	{name: "empty password", in: `{"username":"u","password":""}`, wantKey: "password"},
	{name: "password a number", in: `{"username":"u","password":123456789}`, wantKey: "password"},
	{name: "password an object", in: `{"username":"u","password":{"v":"` + testPassword + `"}}`, wantKey: "password"},
	{name: "key case matters", in: `{"Username":"u","password":"` + testPassword + `"}`, wantKey: "username"},
	{name: "empty input", in: ``, wantKey: ""},
	{name: "JSON null", in: `null`, wantKey: ""},
	{name: "JSON array", in: `["` + testPassword + `"]`, wantKey: ""},
	{name: "JSON string", in: `"` + testPassword + `"`, wantKey: ""},
	{name: "truncated", in: `{"username":"u","password":"` + testPassword, wantKey: ""},
	{name: "trailing garbage", in: `{"username":"u","password":"` + testPassword + `"} x`, wantKey: ""},
	{name: "bad literal after password", in: `{"username":"u","password":"` + testPassword + `","port":` + testPassword + `}`, wantKey: ""},
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	for _, tt := range secretTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSecret([]byte(tt.in))
			if tt.want != nil {
				if err != nil {
					t.Fatalf("ParseSecret: got error %q, want none", err)
				}
				if *got != *tt.want {
					// %+v is safe: Password redacts itself, so compare it apart.
					t.Errorf("got %+v, want %+v", *got, *tt.want)
				}
				if got.Password != tt.want.Password {
					t.Errorf("got a different password than the secret's")
				}
				return
			}
			var se *SecretError
			if !errors.As(err, &se) {
				t.Fatalf("got error %v (%T), want a *SecretError", err, err)
			}
			if se.Key != tt.wantKey {
				t.Errorf("got key %q, want %q (error %q)", se.Key, tt.wantKey, err)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error text contains the password")
			}
			if !strings.HasPrefix(err.Error(), "jdbcstyle: ") {
				t.Errorf("got error %q, want the prefix %q", err, "jdbcstyle: ")
			}
		})
	}
}

// secretProblem matches every SecretError.Problem that ParseSecret may
// produce: fixed text, so that no value can be in it.
var secretProblem = regexp.MustCompile(`^(missing|empty|not a JSON object|malformed JSON at byte [0-9]+|` +
	`got a JSON (string|number|boolean|object|array), want a (string|number|boolean or a string)|` +
	`not a port number \(digits only, 1 to 65535\)|missing, required for engine oracle|` +
	`has white space or control characters|holds a port \(host:port\): give the port on its own|` +
	`has a character that separates URL parts or hosts \(, / @ \? # \\\)|` +
	`has brackets around something other than an IPv6 address|` +
	`not an engine AWS documents \(mysql, mariadb, aurora-mysql, postgres, aurora-postgresql, redshift, oracle, sqlserver, db2, mongo\))$`)

var secretKeys = []string{"", "engine", "host", "port", "username", "password", "dbname", "masterarn",
	"dbInstanceIdentifier", "dbClusterIdentifier", "namespaceName", "ssl"}

func FuzzParseSecret(f *testing.F) {
	for _, tt := range secretTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSecret(data)
		if err == nil {
			if s.Username == "" || s.Password == "" || s.Port < 0 || s.Port > 65535 {
				t.Fatalf("accepted a secret without credentials or with port %d", s.Port)
			}
			return
		}
		var se *SecretError
		if !errors.As(err, &se) {
			t.Fatalf("got error type %T, want *SecretError", err)
		}
		if !slices.Contains(secretKeys, se.Key) || !secretProblem.MatchString(se.Problem) {
			t.Fatalf("error %q is not made of fixed text", err)
		}
		pw := lenientPassword(data)
		vocabulary := strings.Join(secretKeys, " ") + " " + secretProblem.String()
		if pw != "" && strings.Contains(err.Error(), pw) && !strings.Contains(vocabulary, pw) {
			t.Fatalf("error text contains the password")
		}
	})
}

// lenientPassword returns the "password" string of a JSON document, or ""
// when there is none, for tests that look for it in texts.
func lenientPassword(data []byte) string {
	var v struct {
		Password string `json:"password"`
	}
	_ = json.Unmarshal(data, &v)
	return v.Password
}
