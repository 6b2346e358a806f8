package secretcache

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestDefaultClientFromEnvironment builds a cache without a Client, so New
// loads the standard AWS configuration, pointed here at a local endpoint,
// and checks that requests carry this library's user-agent token.
func TestDefaultClientFromEnvironment(t *testing.T) {
	var mu sync.Mutex
	var agent, target string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agent, target = r.Header.Get("User-Agent"), r.Header.Get("X-Amz-Target")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write([]byte(`{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf","Name":"db","VersionId":"v1","SecretString":"` + hunter + `","VersionStages":["AWSCURRENT"]}`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "example")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")

	c, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer c.Close()
	if got, err := c.GetSecretString("db"); err != nil || got != hunter {
		t.Fatalf("got %q, %v", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if target != "secretsmanager.GetSecretValue" {
		t.Errorf("X-Amz-Target: got %q, want secretsmanager.GetSecretValue", target)
	}
	if want := "secretcache-go/" + ModuleVersion; !strings.Contains(agent, want) {
		t.Errorf("User-Agent %q lacks %q", agent, want)
	}
}
