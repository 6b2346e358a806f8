package dbsecret

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The parsing rules are tested through jdbcstyle.ParseSecret, which wraps
// Parse (jdbcstyle/secret_test.go); these tests cover what only this
// package does.

const pw = "s3cr3t-do-not-print"

func TestFormatAndLogLeaveOutThePassword(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte(`{"engine":"postgres","host":"db","username":"app","password":"` + pw + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Password != pw || s.Port != 5432 || s.DBName != "postgres" {
		t.Fatalf("got %+v, want the password kept and the engine's defaults", *s)
	}
	embedded := struct{ *Secret }{s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{s, *s, embedded} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, pw) {
				t.Errorf("%s of %T shows the password: %s", verb, v, out)
			}
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s)
	if strings.Contains(buf.String(), pw) || !strings.Contains(buf.String(), `"username":"app"`) {
		t.Errorf("log record: got %s, want the username and no password", buf.String())
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantKey string // of the *Error, when one is wanted
	}{
		{`{"password":"` + pw + `","username":"app"}`, pw, ""},
		{`{"username":"app"}`, "", "password"},
		{`{"password":42}`, "", "password"},
		{`[]`, "", "-"},
	}
	for _, tt := range tests {
		got, err := Password([]byte(tt.in))
		var e *Error
		switch {
		case tt.wantKey == "" && (err != nil || got != tt.want):
			t.Errorf("Password(%s): got %q, %v; want the password", tt.in, got, err)
		case tt.wantKey != "" && !errors.As(err, &e):
			t.Errorf("Password(%s): got %v, want an *Error", tt.in, err)
		case tt.wantKey != "" && tt.wantKey != "-" && e.Key != tt.wantKey:
			t.Errorf("Password(%s): error names key %q, want %q", tt.in, e.Key, tt.wantKey)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("error quotes the password: %v", err)
		}
	}
}
