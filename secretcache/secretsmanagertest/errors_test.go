package secretsmanagertest

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

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
