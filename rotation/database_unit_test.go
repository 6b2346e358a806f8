package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// createWith runs createSecret for d on a fake whose AWSCURRENT is current
// and returns the value put, or the error.
func createWith(t *testing.T, d *Database, current string) (map[string]any, error) {
	t.Helper()
	sm := newFakeSM()
	sm.create(testSecretID, current)
	sm.startRotation(testSecretID, testToken)
	h := &Handler{Client: sm, Strategy: d, Logger: slog.New(slog.DiscardHandler)}
	if err := h.Handle(context.Background(), Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: CreateSecret}); err != nil {
		return nil, err
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(*sm.value(testSecretID, testToken)), &v); err != nil {
		t.Fatalf("the value put is not JSON: %v", err)
	}
	return v, nil
}

func TestCreateSecretValue(t *testing.T) {
	t.Parallel()
	const current = `{"engine":"mysql","host":"db","port":3307,"username":"app","password":"old","dbname":"d","masterarn":"arn:m","note":{"x":[1,2]}}`
	tests := []struct {
		scheme Scheme
		from   string
		want   string
	}{
		{SingleUser, "app", "app"},
		{AlternatingUsers, "app", "app_clone"},
		{AlternatingUsers, "app_clone", "app"},
	}
	for _, tt := range tests {
		t.Run(tt.scheme.String()+"/"+tt.from, func(t *testing.T) {
			t.Parallel()
			v, err := createWith(t, &Database{Scheme: tt.scheme}, strings.Replace(current, `"app"`, `"`+tt.from+`"`, 1))
			if err != nil {
				t.Fatal(err)
			}
			if v["username"] != tt.want {
				t.Errorf("username = %v, want %s", v["username"], tt.want)
			}
			pw, _ := v["password"].(string)
			if len(pw) != DefaultPasswordLength || pw == "old" || strings.ContainsAny(pw, DefaultExcludeCharacters) {
				t.Errorf("password of %d characters, want a new one of %d without %s", len(pw), DefaultPasswordLength, DefaultExcludeCharacters)
			}
			for _, k := range []string{"engine", "host", "port", "dbname", "masterarn", "note"} {
				if got, want := mustJSON(v[k]), mustJSONFrom(t, current, k); got != want {
					t.Errorf("%s = %s, want %s kept", k, got, want)
				}
			}
		})
	}
}

func mustJSONFrom(t *testing.T, doc, key string) string {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	return mustJSON(v[key])
}

func TestCreateSecretRefusesLongClones(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		engine string
		user   string
		max    int
		ok     bool
	}{
		{"mysql 32", "mysql", strings.Repeat("u", 26), 0, true},
		{"mysql 33", "mysql", strings.Repeat("u", 27), 0, false},
		{"aurora-mysql 33", "aurora-mysql", strings.Repeat("u", 27), 0, false},
		{"mysql counts characters", "mysql", strings.Repeat("é", 26), 0, true},
		{"mariadb 80", "mariadb", strings.Repeat("u", 74), 0, true},
		{"mariadb 81", "mariadb", strings.Repeat("u", 75), 0, false},
		{"mariadb configured 128", "mariadb", strings.Repeat("u", 100), 128, true},
		{"postgres 63 bytes", "postgres", strings.Repeat("u", 57), 0, true},
		{"postgres 64 bytes", "postgres", strings.Repeat("u", 58), 0, false},
		{"postgres counts bytes", "postgres", strings.Repeat("é", 29), 0, false},
		{"back to the first user", "mysql", strings.Repeat("u", 30) + "_clone", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			current := mustJSON(map[string]any{"engine": tt.engine, "host": "db", "username": tt.user, "password": "pw", "masterarn": "arn:m"})
			_, err := createWith(t, &Database{Scheme: AlternatingUsers, MaxUsernameLength: tt.max}, current)
			if tt.ok != (err == nil) {
				t.Fatalf("createSecret = %v, want ok %v", err, tt.ok)
			}
			if err != nil && (kindOf(err) != BadUsername || !strings.Contains(err.Error(), "_clone")) {
				t.Errorf("error %v, want a BadUsername error naming the clone", err)
			}
		})
	}
}

func TestSecretValueErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		current string
		scheme  Scheme
		engine  Engine
		key     string
	}{
		{"not JSON", `not json`, SingleUser, AnyEngine, ""},
		{"no host", `{"engine":"mysql","username":"u","password":"pw-S3cret"}`, SingleUser, AnyEngine, "host"},
		{"no password", `{"engine":"mysql","host":"h","username":"u"}`, SingleUser, AnyEngine, "password"},
		{"port is a boolean", `{"engine":"mysql","host":"h","port":true,"username":"u","password":"pw-S3cret"}`, SingleUser, AnyEngine, "port"},
		{"username is a number", `{"engine":"mysql","host":"h","username":7,"password":"pw-S3cret"}`, SingleUser, AnyEngine, "username"},
		{"no engine", `{"host":"h","username":"u","password":"pw-S3cret"}`, SingleUser, AnyEngine, "engine"},
		{"oracle", `{"engine":"oracle","host":"h","username":"u","password":"pw-S3cret","dbname":"d"}`, SingleUser, AnyEngine, "engine"},
		{"postgres for a MySQL strategy", `{"engine":"postgres","host":"h","username":"u","password":"pw-S3cret"}`, SingleUser, MySQL, "engine"},
		{"Unix socket", `{"engine":"postgres","host":"/run/pg","username":"u","password":"pw-S3cret"}`, SingleUser, AnyEngine, "host"},
		{"no masterarn", `{"engine":"postgres","host":"h","username":"u","password":"pw-S3cret"}`, AlternatingUsers, AnyEngine, "masterarn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := createWith(t, &Database{Scheme: tt.scheme, Engine: tt.engine}, tt.current)
			var e *Error
			if !errors.As(err, &e) || e.Kind != BadSecretValue || e.Key != tt.key || e.Stage != StageCurrent {
				t.Fatalf("createSecret = %v, want a BadSecretValue error of AWSCURRENT's key %q", err, tt.key)
			}
			if tt.key != "" && !strings.Contains(err.Error(), `"`+tt.key+`" key`) {
				t.Errorf("error %q does not name the key", err)
			}
			if strings.Contains(err.Error(), "pw-S3cret") || strings.Contains(err.Error(), "not json") {
				t.Errorf("error %q quotes the value", err)
			}
		})
	}
}

func TestCheckPair(t *testing.T) {
	t.Parallel()
	d := &Database{}
	parse := func(s string) *dbSecret {
		v, err := d.parseDBSecret(StagePending, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cur := parse(`{"engine":"mysql","host":"db","username":"app","password":"a"}`)
	tests := []struct {
		scheme  Scheme
		pending string
		key     string // "" when accepted
	}{
		{SingleUser, `{"engine":"mysql","host":"db","port":3306,"username":"app","password":"b","dbname":"other"}`, ""},
		{SingleUser, `{"engine":"mysql","host":"db2","username":"app","password":"b"}`, "host"},
		{SingleUser, `{"engine":"mysql","host":"db","port":3307,"username":"app","password":"b"}`, "port"},
		{SingleUser, `{"engine":"mariadb","host":"db","username":"app","password":"b"}`, "engine"},
		{SingleUser, `{"engine":"mysql","host":"db","username":"root","password":"b"}`, "username"},
		{SingleUser, `{"engine":"mysql","host":"db","username":"app_clone","password":"b"}`, "username"},
		{AlternatingUsers, `{"engine":"mysql","host":"db","username":"app_clone","password":"b"}`, ""},
		{AlternatingUsers, `{"engine":"mysql","host":"db","username":"app","password":"b"}`, "username"},
		{AlternatingUsers, `{"engine":"mysql","host":"DB","username":"app_clone","password":"b"}`, "host"},
	}
	for _, tt := range tests {
		err := (&Database{Scheme: tt.scheme}).checkPair(cur, parse(tt.pending))
		var e *Error
		switch {
		case tt.key == "" && err != nil:
			t.Errorf("%s %s: %v, want accepted", tt.scheme, tt.pending, err)
		case tt.key != "" && (!errors.As(err, &e) || e.Kind != Mismatch || e.Key != tt.key):
			t.Errorf("%s %s: %v, want a Mismatch of %s", tt.scheme, tt.pending, err, tt.key)
		}
	}
}

func TestPlainPasswordLiteral(t *testing.T) {
	t.Parallel()
	for version, want := range map[string]bool{
		"10.11.19-MariaDB-0+deb12u1": false, "11.4.2-MariaDB": false, "5.7.44": false, "5.7.mysql_aurora.2.11.2": false,
		"8.0.36": true, "8.0.mysql_aurora.3.05.2": true, "9.1.0": true, "": false,
	} {
		if got := plainPasswordLiteral(version); got != want {
			t.Errorf("plainPasswordLiteral(%q) = %v, want %v", version, got, want)
		}
	}
}

func TestQuoteMySQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                 string
		backslash, literal string // with and without NO_BACKSLASH_ESCAPES
	}{
		{"plain", "'plain'", "'plain'"},
		{"it's", "'it''s'", "'it''s'"},
		{`a\b`, `'a\\b'`, `'a\b'`},
		{`\'`, `'\\'''`, `'\'''`},
		{"é\"`", "'é\"`'", "'é\"`'"},
	}
	for _, tt := range tests {
		if got, err := quoteMySQL(tt.in, false); err != nil || got != tt.backslash {
			t.Errorf("quoteMySQL(%q, false) = %s, %v; want %s", tt.in, got, err, tt.backslash)
		}
		if got, err := quoteMySQL(tt.in, true); err != nil || got != tt.literal {
			t.Errorf("quoteMySQL(%q, true) = %s, %v; want %s", tt.in, got, err, tt.literal)
		}
	}
	for _, bad := range []string{"nul\x00", "\xff\xfe"} {
		if _, err := quoteMySQL(bad, false); !errors.Is(err, errUnquotable) {
			t.Errorf("quoteMySQL(%q) = %v, want errUnquotable", bad, err)
		}
	}
}

func TestScramVerifierRefusesWhatSASLprepChanges(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{"tab\there", "naïve", "\x7f"} {
		if _, err := scramVerifier(pw); !errors.Is(err, errNotPrintable) {
			t.Errorf("scramVerifier(%q) = %v, want errNotPrintable", pw, err)
		}
	}
	v, err := scramVerifier(`a b~!'"\`)
	if err != nil || !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") || strings.ContainsAny(v, `'\`) {
		t.Errorf("scramVerifier = %q, %v; want a verifier with no quote or backslash", v, err)
	}
}

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
