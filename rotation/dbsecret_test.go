package rotation

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

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
		{SingleUser, `{"engine":"mysql","host":"db","port":3306,"username":"app","password":"b"}`, ""}, // the default port
		{SingleUser, `{"engine":"mysql","host":"db","username":"app","password":"b","dbname":"other"}`, "dbname"},
		{SingleUser, `{"engine":"mysql","host":"db2","username":"app","password":"b"}`, "host"},
		{SingleUser, `{"engine":"mysql","host":"db","port":3307,"username":"app","password":"b"}`, "port"},
		{SingleUser, `{"engine":"mariadb","host":"db","username":"app","password":"b"}`, "engine"},
		{SingleUser, `{"engine":"mysql","host":"db","username":"root","password":"b"}`, "username"},
		{SingleUser, `{"engine":"mysql","host":"db","username":"app_clone","password":"b"}`, "username"},
		{AlternatingUsers, `{"engine":"mysql","host":"db","username":"app_clone","password":"b"}`, ""},
		{AlternatingUsers, `{"engine":"mysql","host":"db","username":"app","password":"b"}`, "username"},
		{AlternatingUsers, `{"engine":"mysql","host":"DB","username":"app_clone","password":"b"}`, "host"},
		{SingleUser, `{"engine":"postgres","host":"db","username":"app","password":"b","dbname":"postgres"}`, ""}, // the default database
	}
	for _, tt := range tests {
		cur := cur
		if strings.Contains(tt.pending, "postgres") {
			cur = parse(`{"engine":"postgres","host":"db","username":"app","password":"a"}`)
		}
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

// TestCheckPendingRefusesUnsafeCredentials gives setSecret an AWSPENDING
// password or name the engine's statements cannot carry: it is refused
// before any connection is opened.
func TestCheckPendingRefusesUnsafeCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		engine, user, password, key string
	}{
		{"mysql", "app", "nul\x00byte", "password"},
		{"postgres", "app", "naïve-password", "password"},
		{"postgres", "app", "tab\tpassword", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.engine+"/"+tt.key, func(t *testing.T) {
			t.Parallel()
			sm := newFakeSM()
			sm.create(testSecretID, mustJSON(map[string]any{"engine": tt.engine, "host": "db", "username": tt.user, "password": "current-pw"}))
			sm.startRotation(testSecretID, testToken)
			sm.put(testSecretID, testToken, mustJSON(map[string]any{"engine": tt.engine, "host": "db", "username": tt.user, "password": tt.password}), StagePending)
			var dials atomic.Int32
			d := &Database{Dial: func(context.Context, string, string) (net.Conn, error) {
				dials.Add(1)
				return nil, errors.New("no network in this test")
			}}
			h := &Handler{Client: sm, Strategy: d, Logger: slog.New(slog.DiscardHandler)}
			err := h.Handle(context.Background(), Event{SecretID: testSecretID, ClientRequestToken: testToken, Step: SetSecret})
			var e *Error
			if !errors.As(err, &e) || e.Kind != BadSecretValue || e.Stage != StagePending || e.Key != tt.key {
				t.Fatalf("setSecret = %v, want a BadSecretValue error of AWSPENDING's %s", err, tt.key)
			}
			if n := dials.Load(); n != 0 {
				t.Errorf("%d connections attempted, want none", n)
			}
		})
	}
}
