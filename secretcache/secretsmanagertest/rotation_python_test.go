package secretsmanagertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// templateEnv names the directory of a rotation function written for
// Lambda in Python (lambda_function.py with lambda_handler), such as
// SecretsManagerRotationTemplate from aws-samples/aws-secrets-manager-rotation-lambdas.
// The test that runs it is skipped without it: it needs python3 with boto3
// and a copy of AWS's code, neither of which the module ships.
const templateEnv = "SECRETSMANAGERTEST_PYTHON_ROTATION_DIR"

// pythonRunner invokes lambda_handler with the event on stdin. The generic
// template leaves setSecret and testSecret for its user to write (they
// raise NotImplementedError), so the runner fills them in as no-ops, which
// is what a template for a secret with nothing to set looks like.
const pythonRunner = `
import json, sys
import lambda_function
lambda_function.set_secret = lambda *args: None
lambda_function.test_secret = lambda *args: None
lambda_function.lambda_handler(json.load(sys.stdin), None)
`

// pythonRotation runs the Python rotation function in dir as a
// RotationFunc: one python3 process per step, as Lambda runs one
// invocation per step, talking to the server at endpoint through boto3.
func pythonRotation(dir, endpoint string) secretsmanagertest.RotationFunc {
	return func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		event, err := json.Marshal(req)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, "python3", "-c", pythonRunner)
		cmd.Dir = dir
		cmd.Stdin = bytes.NewReader(event)
		cmd.Env = append(os.Environ(),
			"SECRETS_MANAGER_ENDPOINT="+endpoint,
			"AWS_ENDPOINT_URL_SECRETS_MANAGER="+endpoint,
			"AWS_DEFAULT_REGION="+secretsmanagertest.Region,
			"AWS_ACCESS_KEY_ID=AKIDPYTHONTEMPLATE", "AWS_SECRET_ACCESS_KEY=python-template",
		)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w\n%s", req.Step, err, out.Bytes())
		}
		return nil
	}
}

// TestRotationWithAWSPythonTemplate drives AWS's own Python rotation
// template through RotateSecret: it checks the version the emulator staged,
// reads the placeholder expecting ResourceNotFoundException, generates a
// password with GetRandomPassword, puts it, and moves AWSCURRENT.
func TestRotationWithAWSPythonTemplate(t *testing.T) {
	dir := os.Getenv(templateEnv)
	if dir == "" {
		t.Skipf("set %s to the directory of AWS's lambda_function.py to run AWS's Python rotation template", templateEnv)
	}
	if _, err := os.Stat(filepath.Join(dir, "lambda_function.py")); err != nil {
		t.Fatalf("%s: %v", templateEnv, err)
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skipf("python3 with boto3 is not available: %v", err)
	}
	srv, c := newServer(t)
	mustCreate(t, srv, "app/secret", "initial")
	old := currentVersion(t, c, "app/secret")
	if err := srv.SetRotationFunc("app/secret", pythonRotation(dir, srv.URL)); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		token := rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("app/secret")})
		if err := waitRotation(t, srv, "app/secret"); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		stages := describeStages(t, c, "app/secret")
		if !slices.Equal(stages[token], []string{"AWSCURRENT", "AWSPENDING"}) || !slices.Equal(stages[old], []string{"AWSPREVIOUS"}) {
			t.Fatalf("round %d: labels %v, want AWSCURRENT and AWSPENDING on %s, AWSPREVIOUS on %s", round, stages, token, old)
		}
		out, err := getString(t, c, "app/secret", "")
		if err != nil {
			t.Fatal(err)
		}
		if p := aws.ToString(out.SecretString); len(p) != 32 || bytes.ContainsAny([]byte(p), "/@\"'\\") {
			t.Errorf("round %d: the new value is not a 32-character password without the template's excluded characters", round)
		}
		old = token
	}
	if got := srv.Calls("GetRandomPassword"); got != 2 {
		t.Errorf("GetRandomPassword calls: got %d, want 2", got)
	}
}
