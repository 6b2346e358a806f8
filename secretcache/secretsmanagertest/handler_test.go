package secretsmanagertest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

const seedJSON = `[
  {"Name": "prod/db", "SecretString": "{\"password\":\"pw\"}", "Description": "the db",
   "Tags": [{"Key": "team", "Value": "core"}], "AddReplicaRegions": [{"Region": "eu-west-1"}]},
  {"Name": "bin", "SecretBinary": "AAEC", "Region": "ap-south-1"},
  {"Name": "rds!cluster-1", "SecretString": "{}", "OwningService": "rds"}
]`

func TestSeedAndReset(t *testing.T) {
	t.Parallel()
	seeds, err := secretsmanagertest.ParseSeed([]byte(seedJSON))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, secretsmanagertest.WithSeed(seeds...))
	ctx := context.Background()
	check := func(when string) {
		t.Helper()
		if out, err := getString(t, c, "prod/db", ""); err != nil || aws.ToString(out.SecretString) != `{"password":"pw"}` {
			t.Errorf("%s: prod/db: got %v, %v", when, out, err)
		}
		if out, err := getString(t, inRegion(srv, "eu-west-1"), "prod/db", ""); err != nil || aws.ToString(out.SecretString) != `{"password":"pw"}` {
			t.Errorf("%s: the eu-west-1 replica of prod/db: got %v, %v", when, out, err)
		}
		if out, err := inRegion(srv, "ap-south-1").GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin")}); err != nil || string(out.SecretBinary) != "\x00\x01\x02" {
			t.Errorf("%s: bin in ap-south-1: got %v, %v", when, out, err)
		}
		list, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: "owning-service", Values: []string{"rds"}}}})
		if err != nil || len(list.SecretList) != 1 || aws.ToString(list.SecretList[0].OwningService) != "rds" {
			t.Errorf("%s: the secret rds owns: got %+v, %v", when, list, err)
		}
	}
	check("after start")

	if _, err := srv.PutSecretValue("prod/db", "changed"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, srv, "extra", "v")
	srv.InjectFault("ListSecrets", secretsmanagertest.Fault{Kind: secretsmanagertest.Throttling})
	srv.SetLatency("GetSecretValue", 1)
	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("GetSecretValue"); got != 0 {
		t.Errorf("calls after Reset: got %d, want 0", got)
	}
	check("after Reset")
	if _, err := getString(t, c, "extra", ""); errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("a secret created after the start survived Reset: %v", err)
	}
}

func TestParseSeedErrors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{`{"Name":"x"}`, `[{"Name":"x","Secret":"typo"}]`, `[`} {
		if _, err := secretsmanagertest.ParseSeed([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "secretsmanagertest: seed: ") {
			t.Errorf("%s: got %v, want a seed error", bad, err)
		}
	}
	_, err := secretsmanagertest.NewServerAt("127.0.0.1:0", secretsmanagertest.WithSeed(secretsmanagertest.SeedSecret{Name: "bad name"}))
	if err == nil || !strings.Contains(err.Error(), `seed secret "bad name"`) || errorCode(err) != "ValidationException" {
		t.Errorf("a refused seed: got %v, want the seed's ValidationException", err)
	}
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	if seeds, err := secretsmanagertest.ReadSeedFile(path); err != nil || len(seeds) != 3 {
		t.Errorf("ReadSeedFile: got %d seeds, %v", len(seeds), err)
	}
}

func TestNewServerAt(t *testing.T) {
	t.Parallel()
	srv, err := secretsmanagertest.NewServerAt("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || strings.HasSuffix(srv.URL, ":0") {
		t.Errorf("URL: got %q, want the port chosen", srv.URL)
	}
	mustCreate(t, srv, "s", "v")
	if _, err := getString(t, srv.Client(), "s", ""); err != nil {
		t.Error(err)
	}
	if _, err := secretsmanagertest.NewServerAt(strings.TrimPrefix(srv.URL, "http://")); err == nil {
		t.Error("a second server on the same address: got no error")
	}
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		if s, err := secretsmanagertest.NewServerAt(addr); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
			if s != nil {
				s.Close()
			}
			t.Errorf("%s: got %v, want the non-loopback refusal", addr, err)
		}
	}
	remote, err := secretsmanagertest.NewServerAt("0.0.0.0:0", secretsmanagertest.WithRemoteAccess())
	if err != nil {
		t.Fatalf("with WithRemoteAccess: %v", err)
	}
	remote.Close()
}

func TestHandlerEndpoints(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	// The handler serves from anywhere, here a server of the test's own.
	own := httptest.NewServer(srv.Handler())
	t.Cleanup(own.Close)
	mustCreate(t, srv, "s", "v")

	resp, err := http.Get(own.URL + secretsmanagertest.HealthPath)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: got %v, %v", resp, err)
	}
	resp.Body.Close()
	c := secretsmanager.NewFromConfig(srv.Config(), func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(own.URL) })
	if _, err := getString(t, c, "s", ""); err != nil {
		t.Fatalf("API through the handler: %v", err)
	}
	resp, err = http.Post(own.URL+secretsmanagertest.ResetPath, "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reset: got %v, %v", resp, err)
	}
	resp.Body.Close()
	if _, err := getString(t, c, "s", ""); errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("after the reset endpoint: got %v, want the secret gone", err)
	}
}

func TestResetStopsRotations(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "v")
	entered := make(chan struct{}, 10)
	var ctxErr atomic.Value
	if err := srv.SetRotationFunc("db", blockUntilDone("createSecret", entered, &ctxErr, nil)); err != nil {
		t.Fatal(err)
	}
	rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	<-entered
	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := ctxErr.Load(); got != context.Canceled {
		t.Errorf("the rotation's context after Reset: got %v, want context.Canceled", got)
	}
	var nf *types.ResourceNotFoundException
	if err := srv.WaitRotation(context.Background(), "db"); !errors.As(err, &nf) {
		t.Errorf("WaitRotation after Reset: got %v, want the secret gone", err)
	}
}
