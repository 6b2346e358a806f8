package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
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

// TestDatabaseUnreachable points the secret at a port nobody listens on, and
// then at a dial that hangs: setSecret says the database cannot be reached
// and what to check, before its own deadline.
func TestDatabaseUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	hang := func(ctx context.Context, _, _ string) (net.Conn, error) { <-ctx.Done(); return nil, ctx.Err() }
	for name, d := range map[string]*Database{
		"closed port": {TLS: TLS{Mode: TLSDisable}},
		"hanging":     {Dial: hang, ConnectTimeout: 100 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sm := newFakeSM()
			for _, token := range []string{"v0", testToken} {
				v := mustJSON(map[string]any{"engine": "mysql", "host": "127.0.0.1", "port": closedPort, "username": "app", "password": "pw-" + token})
				if token == "v0" {
					sm.create(testSecretID, v)
					sm.startRotation(testSecretID, testToken)
				} else {
					sm.put(testSecretID, token, v, StagePending)
				}
			}
			h := &Handler{Client: sm, Strategy: d, Logger: slog.New(slog.DiscardHandler)}
			err := h.Handle(context.Background(), Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: SetSecret})
			var e *Error
			if !errors.As(err, &e) || e.Kind != DatabaseUnreachable || e.Stage != StageCurrent {
				t.Fatalf("setSecret = %v, want DatabaseUnreachable at AWSCURRENT's login", err)
			}
			for _, want := range []string{"cannot reach the database at 127.0.0.1:", "security group", "subnets"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
