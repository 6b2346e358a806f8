package secretcache

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestGetSecretJSON(t *testing.T) {
	t.Parallel()
	c, f, _ := newTestCache(t, nil)
	f.put("db", "AWSCURRENT", "v1", `{"username":"app","password":"`+hunter+`","port":5432}`)
	var creds struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Port     int    `json:"port"`
	}
	if err := c.GetSecretJSON(context.Background(), "db", &creds); err != nil {
		t.Fatal(err)
	}
	if creds.Username != "app" || creds.Password != hunter || creds.Port != 5432 {
		t.Errorf("got %+v", creds)
	}
	var m map[string]any
	if err := c.GetSecretJSON(context.Background(), "db", &m); err != nil || m["username"] != "app" {
		t.Errorf("into a map: got %v, %v", m, err)
	}
}

func TestGetSecretJSONErrorsHideTheSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret string
		into         any
		field        string
	}{
		{"not JSON", hunter, new(map[string]any), ""},
		{"truncated", `{"password":"` + hunter, new(map[string]any), ""},
		{"number into string", `{"pin":73519}`, &struct{ Pin string }{}, "Pin"},
		{"string into number", `{"port":"` + hunter + `"}`, &struct{ Port int }{}, "Port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, f, _ := newTestCache(t, nil)
			f.put("s", "AWSCURRENT", "v1", tt.secret)
			err := c.GetSecretJSON(context.Background(), "s", tt.into)
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("got %v, want *JSONError", err)
			}
			if je.Field != tt.field {
				t.Errorf("Field: got %q, want %q", je.Field, tt.field)
			}
			for _, leak := range []string{hunter, "73519", "h"} {
				if leak == "h" {
					leak = "'h'" // a syntax error would quote the first character
				}
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error reveals secret material %q: %v", leak, err)
				}
			}
		})
	}
}
