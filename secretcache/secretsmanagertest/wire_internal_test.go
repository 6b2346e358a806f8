package secretsmanagertest

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
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

func TestWriteErrorStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantType   string
	}{
		{"client error", errSecretNotFound(), 400, "ResourceNotFoundException"},
		{"service error", &types.InternalServiceError{}, 500, "InternalServiceError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			writeError(rec, tt.err)
			if rec.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != contentType {
				t.Errorf("Content-Type: got %q, want %q", got, contentType)
			}
			if !strings.Contains(rec.Body.String(), `"__type":"`+tt.wantType+`"`) {
				t.Errorf("body: got %s, want __type %s", rec.Body, tt.wantType)
			}
		})
	}
}
