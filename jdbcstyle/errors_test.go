package jdbcstyle

import (
	"context"
	"errors"
	"testing"
)

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"secret key", &SecretError{Key: "port", Problem: "missing"}, "jdbcstyle: secret JSON: key port: missing"},
		{"secret document", &SecretError{Problem: "not a JSON object"}, "jdbcstyle: secret JSON: not a JSON object"},
		{"dsn param", &DSNError{Param: "port", Problem: "given twice"}, "jdbcstyle: dsn: param port: given twice"},
		{"dsn id", &DSNError{Problem: "empty secret id"}, "jdbcstyle: dsn: empty secret id"},
		{"closed", ErrClosed, "jdbcstyle: connector closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConnectError(t *testing.T) {
	t.Parallel()
	denied := errors.New("access denied for app (password pw-secret-1 was wrong)")
	throttled := errors.New(`secretcache: fetch secret "db" (stage AWSPENDING): throttled`)
	tests := []struct {
		name string
		err  *ConnectError
		want string
		is   []error
	}{
		{"read failure", &ConnectError{SecretID: "db", Stage: "AWSCURRENT", Err: errors.New("not found")},
			`jdbcstyle: secret "db" AWSCURRENT: not found`, nil},
		{"login failure scrubbed", newLoginError("db", []string{"AWSCURRENT", "AWSPENDING"}, denied, nil, nil, []string{"pw-secret-1", "pw-secret-2"}, false),
			`jdbcstyle: secret "db": login failed, tried AWSCURRENT, AWSPENDING: access denied for app (password [REDACTED] was wrong)`, []error{denied}},
		{"deadline", newLoginError("db", []string{"AWSCURRENT"}, errors.New("i/o timeout"), context.DeadlineExceeded, nil, nil, false),
			`jdbcstyle: secret "db": login failed, tried AWSCURRENT: i/o timeout (context deadline exceeded)`, []error{context.DeadlineExceeded}},
		{"fetch errors listed", newLoginError("db", []string{"AWSCURRENT"}, denied, nil, []error{throttled}, []string{"pw-secret-1"}, false),
			`jdbcstyle: secret "db": login failed, tried AWSCURRENT: access denied for app (password [REDACTED] was wrong); reading the secret also failed: secretcache: fetch secret "db" (stage AWSPENDING): throttled`,
			[]error{denied, throttled}},
		{"withheld", newLoginError("db", nil, denied, nil, nil, nil, true),
			`jdbcstyle: secret "db": credentials refused by the database and unchanged since, not sent again: access denied for app (password pw-secret-1 was wrong)`, []error{denied}},
		{"context error not repeated", newLoginError("db", []string{"AWSCURRENT"}, context.Canceled, context.Canceled, nil, nil, false),
			`jdbcstyle: secret "db": login failed, tried AWSCURRENT: context canceled`, []error{context.Canceled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, target := range tt.is {
				if !errors.Is(tt.err, target) {
					t.Errorf("errors.Is(%v): got false, want true", target)
				}
			}
		})
	}
}
