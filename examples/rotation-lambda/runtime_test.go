package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/internal/testlog"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// buildBootstrap builds the function as the README says, for goos/goarch,
// and returns the binary's path.
func buildBootstrap(t *testing.T, goos, goarch string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the function: not in -short")
	}
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-tags", "lambda.norpc", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// TestBuildsForLambdaOnArm64 builds the function with the README's command:
// a static linux/arm64 executable, as provided.al2023 on Graviton runs it.
func TestBuildsForLambdaOnArm64(t *testing.T) {
	f, err := elf.Open(buildBootstrap(t, "linux", "arm64"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
		t.Errorf("machine %v, type %v; want an AArch64 executable", f.Machine, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary needs a dynamic loader; want a static binary")
		}
	}
}

// runtimeAPI is Lambda's runtime API as the function's process sees it:
// it hands out one event per invocation and records the answer.
type runtimeAPI struct {
	events chan invocation
	mu     sync.Mutex
	open   map[string]invocation // guarded by mu: invocations handed out, by request ID
}

type invocation struct {
	id     string
	event  []byte
	result chan error // the function's answer: nil, or the error it reported
}

func newRuntimeAPI() *runtimeAPI {
	return &runtimeAPI{events: make(chan invocation), open: map[string]invocation{}}
}

func (api *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/invocation/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == prefix+"next":
		select {
		case inv := <-api.events:
			api.mu.Lock()
			api.open[inv.id] = inv
			api.mu.Unlock()
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:db-rotation")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(inv.event)
		case <-r.Context().Done():
		}
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, prefix):
		id, outcome, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, prefix), "/")
		body, _ := io.ReadAll(r.Body)
		api.mu.Lock()
		inv, ok := api.open[id]
		delete(api.open, id)
		api.mu.Unlock()
		if !ok {
			http.Error(w, "unknown request ID", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		if outcome == "error" {
			inv.result <- fmt.Errorf("function error: %s", body)
		} else {
			inv.result <- nil
		}
	default:
		http.Error(w, "not in the runtime API", http.StatusNotFound)
	}
}

// invoke hands event to the function and waits for its answer.
func (api *runtimeAPI) invoke(ctx context.Context, id string, event []byte) error {
	inv := invocation{id: id, event: event, result: make(chan error, 1)}
	select {
	case api.events <- inv:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-inv.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestBootstrapUnderTheRuntimeAPI runs the built function as Lambda's
// provided.al2023 runtime does, one process serving invocations from the
// runtime API, with Secrets Manager's event JSON, and rotates a PostgreSQL
// user's secret twice through it, over TLS verified against a CA file as
// the README configures it. A step the function refuses is reported to the
// runtime API as an error. Its standard output is JSON records only, and
// shows no password.
func TestBootstrapUnderTheRuntimeAPI(t *testing.T) {
	bin := buildBootstrap(t, runtime.GOOS, runtime.GOARCH)
	srv, user, sm, arn := newUserSecret(t, "bootstrap")
	caFile := filepath.Join(t.TempDir(), "global-bundle.pem")
	if err := os.WriteFile(caFile, srv.RootCAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	api := newRuntimeAPI()
	lambdaAPI := httptest.NewServer(api)
	defer lambdaAPI.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr testlog.Buffer
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(),
		"AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(lambdaAPI.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=db-rotation", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_REGION="+secretsmanagertest.Region, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"SECRETS_MANAGER_ENDPOINT="+sm.URL,
		"ROTATION_TLS=verify-full", "ROTATION_TLS_CA_FILE="+caFile)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()

	var requests int
	err := sm.SetRotationFunc(arn, func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		requests++
		event := fmt.Sprintf(`{"Step": %q, "SecretId": %q, "ClientRequestToken": %q, "RotationToken": %q}`,
			req.Step, req.SecretID, req.ClientRequestToken, req.RotationToken)
		return api.invoke(ctx, fmt.Sprintf("8476a536-e9f4-11e8-9739-2dfe598c3fcd-%d", requests), []byte(event))
	})
	if err != nil {
		t.Fatal(err)
	}
	passwords := []string{"first-password"}
	for round := 1; round <= 2; round++ {
		if _, err := sm.Client().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		if err := sm.WaitRotation(ctx, arn); err != nil {
			t.Fatalf("rotation %d: %v\nstdout:\n%s\nstderr:\n%s", round, err, &stdout, &stderr)
		}
		out, err := sm.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Password string }
		if err := json.Unmarshal([]byte(*out.SecretString), &v); err != nil {
			t.Fatal(err)
		}
		passwords = append(passwords, v.Password)
		if err := login(srv, user, v.Password); err != nil {
			t.Errorf("rotation %d: the new password does not log in: %v", round, err)
		}
	}
	// A step on a version that is not the secret's: the function reports
	// the handler's error to the runtime API.
	event := `{"Step": "setSecret", "SecretId": "` + arn + `", "ClientRequestToken": "not-a-version"}`
	err = api.invoke(ctx, "8476a536-e9f4-11e8-9739-2dfe598c3fcd-x", []byte(event))
	if err == nil || !strings.Contains(err.Error(), "has no stage for rotation") {
		t.Errorf("invoking with a token that is not a version: %v, want the function's error", err)
	}
	checkLogs(t, stdout.String(), passwords)
	if bytes.Contains([]byte(stderr.String()), []byte("password")) {
		t.Errorf("standard error: %s", &stderr)
	}
}
