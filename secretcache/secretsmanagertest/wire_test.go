package secretsmanagertest

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

func TestEpochTimeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"whole seconds", time.Unix(1700000000, 0), "1700000000"},
		{"milliseconds", time.Unix(1700000000, 250*int64(time.Millisecond)), "1700000000.25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(epoch(tt.t))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if epoch(time.Time{}) != nil {
		t.Errorf("epoch(zero): got non-nil, want nil so the field is omitted")
	}
}

func TestNewUUIDShape(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if got := newUUID(); !re.MatchString(got) {
		t.Errorf("got %q, want a version 4 UUID", got)
	}
}
