package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/secretcache/secretcache-go/internal/testdb"
	"github.com/secretcache/secretcache-go/internal/testlog"
	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestRotateThroughLambda rotates a PostgreSQL user's secret twice with the
// function as Lambda runs it: configured by environment variables, the
// emulator's invocation marshalled to the JSON event Secrets Manager sends
// and decoded by aws-lambda-go's handler, over TLS (the server refuses
// users without it).
func TestRotateThroughLambda(t *testing.T) {
	srv, user, sm, arn := newUserSecret(t, "lambda")

	// What the Lambda console sets, plus the emulator's address.
	t.Setenv("AWS_REGION", secretsmanagertest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	env := map[string]string{"SECRETS_MANAGER_ENDPOINT": sm.URL, "ROTATION_TLS": "require", "PASSWORD_LENGTH": "24"}
	logs := new(testlog.Buffer)
	fn := &function{getenv: func(k string) string { return env[k] }, logs: logs}
	invoke := lambda.NewHandler(fn.handle)

	var requests int
	err := sm.SetRotationFunc(arn, func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		payload, err := json.Marshal(req) // the event's JSON, as Secrets Manager sends it
		if err != nil {
			return err
		}
		requests++
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-" + strconv.Itoa(requests)})
		_, err = invoke.Invoke(ctx, payload)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	passwords := []string{"first-password"}
	for round := 1; round <= 2; round++ {
		if _, err := sm.Client().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		if err := sm.WaitRotation(ctx, arn); err != nil {
			t.Fatalf("rotation %d: %v\nlogs:\n%s", round, err, logs)
		}
		out, err := sm.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Password string }
		if err := json.Unmarshal([]byte(*out.SecretString), &v); err != nil || len(v.Password) != 24 {
			t.Fatalf("rotation %d left a password of %d characters (%v), want 24", round, len(v.Password), err)
		}
		passwords = append(passwords, v.Password)
		if err := login(srv, user, v.Password); err != nil {
			t.Errorf("rotation %d: the new password does not log in: %v", round, err)
		}
		if err := login(srv, user, passwords[len(passwords)-2]); !srv.IsAuthError(err) {
			t.Errorf("rotation %d: the old password: %v, want refused", round, err)
		}
	}
	checkLogs(t, logs.String(), passwords)
}

// newUserSecret creates a user on the PostgreSQL server with TLS, with the
// password "first-password", and an emulator holding the secret of its
// credentials at prod/app/db, whose ARN it returns.
func newUserSecret(t *testing.T, prefix string) (srv *testdb.Server, user string, sm *secretsmanagertest.Server, arn string) {
	t.Helper()
	srv = testdb.PostgresTLS(t)
	user = testdb.UniqueName(prefix)
	srv.CreateUser(t, user, "first-password")
	sm = secretsmanagertest.NewServer()
	t.Cleanup(sm.Close)
	secret, _ := json.Marshal(map[string]any{"engine": "postgres", "host": srv.Host, "port": srv.Port,
		"username": user, "password": "first-password", "dbname": srv.Database()})
	arn, err := sm.CreateSecret("prod/app/db", string(secret))
	if err != nil {
		t.Fatal(err)
	}
	return srv, user, sm, arn
}

// checkLogs checks that every record is JSON in Lambda's field names, with
// the request ID, and that none shows a password.
func checkLogs(t *testing.T, logs string, passwords []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) < 8 {
		t.Fatalf("%d log records, want some for each of 8 steps", len(lines))
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON", line)
		}
		for _, k := range []string{"timestamp", "level", "message", "requestId", "step", "secretId", "version"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("record %s lacks %s", line, k)
			}
		}
	}
	for _, pw := range passwords {
		if strings.Contains(logs, pw) {
			t.Error("the logs show a password")
		}
	}
}

// login logs in with pgx over TLS verified against the server's CA.
func login(srv *testdb.Server, user, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig("postgres://" + net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)) + "/?sslmode=disable")
	if err != nil {
		return err
	}
	cfg.User, cfg.Password, cfg.Database = user, password, srv.Database()
	cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs(), ServerName: srv.Host}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// TestRunOnce runs steps as the local server does outside Lambda: the
// event's JSON on standard input. A step that is not in a state to run
// fails, and an event that is not JSON says where the event was expected.
func TestRunOnce(t *testing.T) {
	sm := secretsmanagertest.NewServer()
	defer sm.Close()
	arn, err := sm.CreateSecret("prod/app/db", `{"engine":"mysql","host":"db","username":"app","password":"pw-S3cret"}`)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_REGION", secretsmanagertest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	logs := new(testlog.Buffer)
	fn := &function{getenv: func(k string) string { return map[string]string{"SECRETS_MANAGER_ENDPOINT": sm.URL}[k] }, logs: logs}
	event := `{"Step":"setSecret","SecretId":"` + arn + `","ClientRequestToken":"not-a-version"}`
	err = fn.runOnce(context.Background(), strings.NewReader(event))
	if err == nil || !strings.Contains(err.Error(), "version not-a-version has no stage") {
		t.Errorf("runOnce = %v, want the handler's error about the version", err)
	}
	if !strings.Contains(logs.String(), `"message":"step failed"`) {
		t.Errorf("logs %s lack the failure", logs)
	}
	if err := fn.runOnce(context.Background(), strings.NewReader("not json")); err == nil || !strings.Contains(err.Error(), "standard input") {
		t.Errorf("runOnce(not JSON) = %v, want an error naming standard input", err)
	}
}
