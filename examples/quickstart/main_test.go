package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestEmbeddedStory(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	opts := options{reads: 100000, goroutines: 8}
	facts, err := embeddedStory(context.Background(), &out, opts)
	if err != nil {
		t.Fatalf("embeddedStory: %v\noutput:\n%s", err, &out)
	}
	text := out.String()

	if facts.readCalls != 1 {
		t.Errorf("%d reads cost %d GetSecretValue calls, want 1", opts.reads, facts.readCalls)
	}
	if !strings.Contains(text, "GetSecretValue calls:  1\n") {
		t.Errorf("output does not report 1 GetSecretValue call for the reads:\n%s", text)
	}

	if facts.versionStale != facts.versionLoaded {
		t.Errorf("right after the rotation the cache served version %q, want the old %q", facts.versionStale, facts.versionLoaded)
	}
	if facts.versionRotated == facts.versionLoaded {
		t.Errorf("the rotation kept version %q", facts.versionLoaded)
	}
	if facts.versionFresh != facts.versionRotated {
		t.Errorf("after Refresh the cache served version %q, want the rotated %q", facts.versionFresh, facts.versionRotated)
	}

	var internal *types.InternalServiceError
	if !errors.As(facts.outageErr, &internal) {
		t.Errorf("Refresh during the outage returned %v, want an error wrapping *types.InternalServiceError", facts.outageErr)
	}
	if facts.staleServed == 0 {
		t.Error("no read was served the expired value during the outage")
	}
	if facts.outageReads == 0 {
		t.Error("no read was made during the outage")
	}
	if facts.versionRecovered != facts.versionRotated {
		t.Errorf("after the outage the cache served version %q, want %q", facts.versionRecovered, facts.versionRotated)
	}
	if facts.stats.LoadErrors == 0 || facts.stats.StaleServed == 0 {
		t.Errorf("Stats() = %+v, want load errors and stale values served", facts.stats)
	}

	if len(facts.values) != 2 {
		t.Fatalf("the story stored %d values, want 2", len(facts.values))
	}
	for _, v := range facts.values {
		assertNoSecret(t, text, v)
	}
}

// TestReadReal runs the -secret-id path against the embedded server, with
// credentials and region from the environment as on a real machine, for a
// string secret and for a binary one (read again with GetSecretBinary).
// The cases set environment variables, so they do not run in parallel.
func TestReadReal(t *testing.T) {
	tests := []struct {
		name           string
		id             string
		value          string
		create         func(srv *secretsmanagertest.Server, id, value string) error
		reads, workers int
		want           []string // in the output
	}{
		{
			name: "string", id: "prod/app/db", value: demoSecret(),
			create: func(srv *secretsmanagertest.Server, id, value string) error {
				_, err := srv.CreateSecret(id, value)
				return err
			},
			reads: 1000, workers: 4,
			want: []string{"reads served:          1000", "GetSecretValue calls:  1\n", "bytes"},
		},
		{
			name: "binary", id: "prod/app/key", value: "0123456789abcdef",
			create: func(srv *secretsmanagertest.Server, id, value string) error {
				_, err := srv.CreateBinarySecret(id, []byte(value))
				return err
			},
			reads: 100, workers: 2,
			want: []string{"16 bytes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := secretsmanagertest.NewServer()
			defer srv.Close()
			if err := tt.create(srv, tt.id, tt.value); err != nil {
				t.Fatal(err)
			}
			isolateAWSEnv(t)

			var out bytes.Buffer
			opts := options{secretID: tt.id, region: "us-east-1", endpoint: srv.URL, reads: tt.reads, goroutines: tt.workers}
			if err := run(context.Background(), &out, opts); err != nil {
				t.Fatalf("run: %v\noutput:\n%s", err, &out)
			}
			text := out.String()
			if got := srv.Calls(getSecretValue); got != 1 {
				t.Errorf("%d reads cost %d GetSecretValue calls, want 1\n%s", opts.reads, got, text)
			}
			for _, want := range tt.want {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			assertNoSecret(t, text, tt.value)
		})
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts options
	}{
		{"no reads", options{reads: 0, goroutines: 1}},
		{"no goroutines", options{reads: 1, goroutines: 0}},
		{"region without secret", options{region: "eu-west-1", reads: 1, goroutines: 1}},
		{"endpoint without secret", options{endpoint: "http://127.0.0.1:1", reads: 1, goroutines: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := run(context.Background(), &out, tt.opts); err == nil {
				t.Errorf("run(%+v) = nil, want an error", tt.opts)
			}
			if out.Len() != 0 {
				t.Errorf("run(%+v) wrote %q before rejecting its options", tt.opts, &out)
			}
		})
	}
}

// isolateAWSEnv gives the AWS configuration chain dummy credentials and no
// shared files or instance metadata to find.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "not-a-real-key",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// assertNoSecret fails t if output holds value or, for a JSON secret, its
// password.
func assertNoSecret(t *testing.T, output, value string) {
	t.Helper()
	if strings.Contains(output, value) {
		t.Errorf("output contains the secret value")
	}
	var db struct {
		Password string `json:"password"`
	}
	if json.Unmarshal([]byte(value), &db) == nil && db.Password != "" && strings.Contains(output, db.Password) {
		t.Errorf("output contains the secret's password")
	}
}
