package jdbcstyle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestPasswordNeverFormatted(t *testing.T) {
	t.Parallel()
	s := &Secret{Engine: "mysql", Host: "h", Port: 3306, Username: "u", Password: testPassword}
	values := map[string]any{"*Secret": s, "Secret": *s, "Password": s.Password}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%-20v"}
	leaks := []string{testPassword, hex.EncodeToString([]byte(testPassword)), strings.ToUpper(hex.EncodeToString([]byte(testPassword)))}
	check := func(t *testing.T, out string) {
		t.Helper()
		for _, leak := range leaks {
			if strings.Contains(out, leak) {
				t.Fatalf("output %q reveals the password", out)
			}
		}
	}
	for name, v := range values {
		for _, verb := range verbs {
			t.Run(name+" "+verb, func(t *testing.T) {
				t.Parallel()
				check(t, fmt.Sprintf(verb, v))
			})
		}
		t.Run(name+" json", func(t *testing.T) {
			t.Parallel()
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			check(t, string(out))
		})
		t.Run(name+" slog", func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", v)
			slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", v)
			check(t, buf.String())
		})
	}
}

func TestPasswordPlaceholders(t *testing.T) {
	t.Parallel()
	p := Password(testPassword)
	tests := []struct {
		name, got, want string
	}{
		{"String", p.String(), "[REDACTED]"},
		{"GoString", p.GoString(), `jdbcstyle.Password("[REDACTED]")`},
		{"%v", fmt.Sprintf("%v", p), "[REDACTED]"},
		{"%q", fmt.Sprintf("%q", p), `"[REDACTED]"`},
		{"%#v of a Secret", fmt.Sprintf("%#v", Secret{Username: "u", Password: p}),
			`jdbcstyle.Secret{Engine:"", Host:"", Port:0, Username:"u", Password:jdbcstyle.Password("[REDACTED]"), DBName:"", MasterARN:"", DBInstanceIdentifier:"", DBClusterIdentifier:"", NamespaceName:"", SSL:false, SSLMode:""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	if string(p) != testPassword {
		t.Errorf("string(p) is not the password")
	}
}
