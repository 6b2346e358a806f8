package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/secretcache/secretcache-go/internal/testlog"
	"github.com/secretcache/secretcache-go/secretcache"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const secretValue = "obs-s3cr3t-4e1a"

func setup(t *testing.T) (*secretsmanagertest.Server, *secretcache.Cache, *testlog.Buffer) {
	t.Helper()
	srv := secretsmanagertest.NewServer()
	t.Cleanup(srv.Close)
	if _, err := srv.CreateSecret(secretID, secretValue); err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	cache, err := newCache(srv.Client(), logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cache.Close() })
	return srv, cache, logs
}

func TestLogsFailureAndRecoveryWithoutSecret(t *testing.T) {
	t.Parallel()
	srv, cache, logs := setup(t)
	if err := demo(context.Background(), srv, cache); err != nil {
		t.Fatal(err)
	}

	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		records = append(records, r)
	}
	want := []struct{ level, msg string }{
		{"WARN", "secretcache: fetch failed"},
		{"INFO", "secretcache: fetch recovered"},
	}
	if len(records) != len(want) {
		t.Fatalf("got %d records, want %d:\n%s", len(records), len(want), logs)
	}
	for i, w := range want {
		r := records[i]
		if r["level"] != w.level || r["msg"] != w.msg || r["secret_id"] != secretID || r["stage"] != "AWSCURRENT" {
			t.Errorf("record %d: got %v, want level %s, msg %q, secret_id %q, stage AWSCURRENT", i, r, w.level, w.msg, secretID)
		}
	}
	if e, _ := records[0]["error"].(string); !strings.Contains(e, "InternalServiceError") {
		t.Errorf("failure record: got error %q, want the service's InternalServiceError", e)
	}
	if out := logs.String(); strings.Contains(out, secretValue) {
		t.Errorf("log reveals the secret:\n%s", out)
	}
}

func TestStatsVarReportsCounters(t *testing.T) {
	t.Parallel()
	srv, cache, _ := setup(t)
	if err := demo(context.Background(), srv, cache); err != nil {
		t.Fatal(err)
	}
	out := statsVar(cache).String()
	var got secretcache.Stats
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("expvar output %q is not the Stats JSON: %v", out, err)
	}
	// One load, a failed forced refresh, a successful one; two reads, the
	// first a miss.
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"Loads", got.Loads, 3},
		{"LoadErrors", got.LoadErrors, 1},
		{"Misses", got.Misses, 1},
		{"Hits", got.Hits, 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d (stats %s)", c.name, c.got, c.want, out)
		}
	}
	if strings.Contains(out, secretValue) {
		t.Errorf("stats reveal the secret: %s", out)
	}
}

// The counters as /debug/vars shows them under "secretcache".
func Example_statsVar() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	srv.CreateSecret(secretID, secretValue)
	cache, err := newCache(srv.Client(), new(bytes.Buffer))
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	for range 3 {
		cache.GetSecretString(secretID)
	}
	fmt.Println(statsVar(cache))
	// Output: {"Hits":2,"Misses":1,"Loads":1,"LoadErrors":0,"Refreshes":0,"StaleServed":0,"Evictions":0,"ForcedRefreshes":0,"RefreshesDelayed":0}
}
