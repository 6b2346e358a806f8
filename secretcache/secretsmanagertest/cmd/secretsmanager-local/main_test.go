package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const seed = `[{"Name": "prod/db", "SecretString": "{\"password\":\"seeded\"}"},
 {"Name": "eu-only", "SecretString": "eu", "Region": "eu-west-1"}]`

// client returns an SDK client for the server at url, in region, with
// dummy credentials, as any user of the command would build one.
func client(url, region string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "local"}, nil
		}),
	})
}

func writeSeed(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// exercise makes the requests both tests make: read a seeded secret,
// create one, reset, and check the reset restored the seed.
func exercise(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := client(url, "us-east-1")
	out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	if err != nil || aws.ToString(out.SecretString) != `{"password":"seeded"}` {
		t.Fatalf("seeded secret: got %v, %v", out, err)
	}
	if !strings.HasPrefix(aws.ToString(out.ARN), "arn:aws:secretsmanager:us-east-1:210987654321:secret:prod/db-") {
		t.Errorf("ARN %q, want the -account flag's account", aws.ToString(out.ARN))
	}
	if out, err := client(url, "eu-west-1").GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("eu-only")}); err != nil || aws.ToString(out.SecretString) != "eu" {
		t.Errorf("seeded eu-west-1 secret: got %v, %v", out, err)
	}
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("added"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+secretsmanagertest.ResetPath, "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reset: %v, %v", resp, err)
	}
	resp.Body.Close()
	var nf *types.ResourceNotFoundException
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("added")}); !errors.As(err, &nf) {
		t.Errorf("a secret created before the reset: got %v, want it gone", err)
	}
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")}); err != nil {
		t.Errorf("the seeded secret after the reset: %v", err)
	}
}

// lineWriter hands the first line written to it to a channel, and keeps
// the rest.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
	sent  bool
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok && !w.sent {
		w.sent = true
		w.first <- line
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &lineWriter{first: make(chan string, 1)}
	var stderr lineWriter
	stderr.first = make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", writeSeed(t), "-account", "210987654321"}, stdout, &stderr)
	}()
	var url string
	select {
	case url = <-stdout.first:
	case code := <-done:
		t.Fatalf("run exited with %d before serving: %s", code, stderr.String())
	}
	exercise(t, url)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit status: got %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "AWS_ENDPOINT_URL_SECRETS_MANAGER="+url) || !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("stderr: got %q, want the hints and the stop", stderr.String())
	}
}

func TestRunRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"non-loopback address", []string{"-addr", "0.0.0.0:0"}, 1, "not a loopback address"},
		{"bad region", []string{"-region", "Mars"}, 2, `"Mars" is not a region name`},
		{"bad account", []string{"-account", "1"}, 2, "is not 12 digits"},
		{"missing seed", []string{"-seed", "/nonexistent/seed.json"}, 2, "secretsmanagertest: seed:"},
		{"extra argument", []string{"serve"}, 2, `unexpected argument "serve"`},
		{"unknown flag", []string{"-port", "1"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) || stdout.Len() != 0 {
				t.Errorf("got %d, stdout %q, stderr %q; want %d and %q", code, stdout.String(), stderr.String(), tt.code, tt.want)
			}
		})
	}
}

// TestEndToEnd builds the command, runs it as a user would, talks to it
// over HTTP and stops it with each signal it handles.
func TestEndToEnd(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops the command with SIGTERM")
	}
	bin := filepath.Join(t.TempDir(), "secretsmanager-local")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	seedFile := writeSeed(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-seed", seedFile, "-account", "210987654321")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr lineWriter
			stderr.first = make(chan string, 1)
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill() //nolint:errcheck // only matters if the test failed early
			url, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("reading the endpoint: %v (stderr %q)", err, stderr.String())
			}
			url = strings.TrimSpace(url)
			if !strings.HasPrefix(url, "http://127.0.0.1:") {
				t.Fatalf("endpoint: got %q", url)
			}
			exercise(t, url)

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go io.Copy(io.Discard, stdout) //nolint:errcheck // drains the pipe until the command exits
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("after %v: %v (stderr %q), want exit status 0", sig, err, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("still running 30s after %v", sig)
			}
			if !strings.Contains(stderr.String(), "secretsmanager-local: stopped") {
				t.Errorf("stderr: got %q, want the clean stop", stderr.String())
			}
			if _, err := http.Get(url + secretsmanagertest.HealthPath); err == nil {
				t.Errorf("the server still answers after %v", sig)
			}
		})
	}
}
