package jdbcstyle

import "testing"

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
