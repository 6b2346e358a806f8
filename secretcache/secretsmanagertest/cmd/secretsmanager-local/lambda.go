package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// rotationLambda is one -rotation-lambda flag: a command standing in for
// the Lambda function with that ARN.
type rotationLambda struct {
	arn, command string
}

// rotationLambdas collects the -rotation-lambda flags.
type rotationLambdas []rotationLambda

func (l *rotationLambdas) String() string {
	var s []string
	for _, r := range *l {
		s = append(s, r.arn+"="+r.command)
	}
	return strings.Join(s, " ")
}

// Set parses ARN=COMMAND.
func (l *rotationLambdas) Set(v string) error {
	arn, command, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":lambda:") || strings.TrimSpace(command) == "" {
		return fmt.Errorf("want LAMBDA_ARN=COMMAND, such as arn:aws:lambda:us-east-1:123456789012:function:rotate=python3 rotate.py")
	}
	*l = append(*l, rotationLambda{arn: arn, command: command})
	return nil
}

// commandRotation runs command once per rotation step, as Lambda runs a
// function once per invocation: through sh -c, with the event
// (Step, SecretId, ClientRequestToken, RotationToken) as JSON on standard
// input and in ROTATION_EVENT, and the server's URL in
// AWS_ENDPOINT_URL_SECRETS_MANAGER and SECRETS_MANAGER_ENDPOINT (the
// variable AWS's Python templates read). Dummy credentials and the secret's
// region are set unless the environment has its own. The command's output
// goes to log, as a Lambda function's goes to its logs; a non-zero exit
// fails the step.
func commandRotation(command, endpoint string, log io.Writer) secretsmanagertest.RotationFunc {
	return func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		event, err := json.Marshal(req)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, "sh", "-c", command)
		cmd.Stdin = bytes.NewReader(event)
		cmd.Stdout, cmd.Stderr = log, log
		cmd.Env = append(lambdaDefaults(req.SecretID), os.Environ()...)
		cmd.Env = append(cmd.Env,
			"ROTATION_EVENT="+string(event),
			"AWS_ENDPOINT_URL_SECRETS_MANAGER="+endpoint,
			"SECRETS_MANAGER_ENDPOINT="+endpoint,
		)
		err = cmd.Run()
		status := "ok"
		if err != nil {
			status = "failed: " + err.Error()
		}
		fmt.Fprintf(log, "secretsmanager-local: rotation of %s (version %s): %s %s\n", req.SecretID, req.ClientRequestToken, req.Step, status)
		if err != nil {
			return fmt.Errorf("%s: %w", command, err)
		}
		return nil
	}
}

// lambdaDefaults is the environment a command gets unless the server's own
// environment says otherwise (later entries win): dummy credentials and
// the region of the secret's ARN.
func lambdaDefaults(secretARN string) []string {
	env := []string{"AWS_ACCESS_KEY_ID=secretsmanager-local", "AWS_SECRET_ACCESS_KEY=secretsmanager-local"}
	if f := strings.Split(secretARN, ":"); len(f) > 3 {
		env = append(env, "AWS_REGION="+f[3], "AWS_DEFAULT_REGION="+f[3])
	}
	return env
}
