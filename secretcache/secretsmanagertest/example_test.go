package secretsmanagertest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func ExampleNewServer() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	if _, err := srv.CreateSecret("prod/app/db", `{"username":"app"}`); err != nil {
		panic(err)
	}

	out, err := srv.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String("prod/app/db"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(aws.ToString(out.SecretString), out.VersionStages)
	// Output: {"username":"app"} [AWSCURRENT]
}

func ExampleServer_Calls() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	c := srv.Client()
	_, _ = srv.CreateSecret("s", "v")

	for range 3 {
		_, _ = c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	}
	fmt.Println(srv.Calls("GetSecretValue"), srv.Calls("CreateSecret"))
	// Output: 3 0
}

func ExampleServer_InjectFault() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	c := srv.Client()
	_, _ = srv.CreateSecret("s", "v")
	srv.InjectFault("GetSecretValue", secretsmanagertest.Fault{Kind: secretsmanagertest.Throttling, Count: 1})

	get := func() error {
		_, err := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
		return err
	}
	var apiErr smithy.APIError
	if err := get(); errors.As(err, &apiErr) {
		fmt.Println("first:", apiErr.ErrorCode())
	}
	fmt.Println("second:", get())
	// Output:
	// first: ThrottlingException
	// second: <nil>
}

func ExampleServer_SetLatency() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	_, _ = srv.CreateSecret("s", "v")
	srv.SetLatency("GetSecretValue", time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := srv.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}

func ExampleServer_Rotate() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	_, _ = srv.CreateSecret("db", "old-password")

	if _, err := srv.Rotate(context.Background(), "db", "new-password"); err != nil {
		panic(err)
	}
	c := srv.Client()
	for _, stage := range []string{"AWSCURRENT", "AWSPREVIOUS"} {
		out, _ := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
			SecretId: aws.String("db"), VersionStage: aws.String(stage),
		})
		fmt.Println(stage, aws.ToString(out.SecretString))
	}
	// Output:
	// AWSCURRENT new-password
	// AWSPREVIOUS old-password
}

func ExampleServer_SetRotationFunc() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	c := srv.Client()
	_, _ = srv.CreateSecret("db", "old-password")

	// A rotation function works like a Lambda one: it talks to Secrets
	// Manager through a client.
	_ = srv.SetRotationFunc("db", func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		fmt.Println("step", req.Step)
		switch req.Step {
		case secretsmanagertest.StepCreateSecret:
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
				SecretId: aws.String(req.SecretID), ClientRequestToken: aws.String(req.ClientRequestToken),
				SecretString: aws.String("new-password"), VersionStages: []string{secretsmanagertest.StagePending},
			})
			return err
		case secretsmanagertest.StepFinishSecret:
			cur, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(req.SecretID)})
			if err != nil {
				return err
			}
			_, err = c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
				SecretId: aws.String(req.SecretID), VersionStage: aws.String(secretsmanagertest.StageCurrent),
				MoveToVersionId: aws.String(req.ClientRequestToken), RemoveFromVersionId: cur.VersionId,
			})
			return err
		}
		return nil
	})

	// RotateSecret returns once the rotation has started, as the service
	// does; WaitRotation waits for its outcome.
	if _, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")}); err != nil {
		panic(err)
	}
	if err := srv.WaitRotation(context.Background(), "db"); err != nil {
		panic(err)
	}
	out, _ := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	fmt.Println(aws.ToString(out.SecretString))
	// Output:
	// step createSecret
	// step setSecret
	// step testSecret
	// step finishSecret
	// new-password
}

func ExampleServer_PutSecretValue() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	_, _ = srv.CreateSecret("s", "v1")
	_, _ = srv.PutSecretValue("s", "v2", secretsmanagertest.StagePending)

	_, err := srv.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String("s"), VersionStage: aws.String("blue"),
	})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		fmt.Println(nf.ErrorMessage())
	}
	// Output: Secrets Manager can't find the specified secret value for staging label: blue
}

func ExampleServer_WaitRotation() {
	srv := secretsmanagertest.NewServer(secretsmanagertest.WithRotationAttempts(2))
	defer srv.Close()
	c := srv.Client()
	if _, err := srv.CreateSecret("db", "old-password"); err != nil {
		panic(err)
	}
	err := srv.SetRotationFunc("db", func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		if req.Step == secretsmanagertest.StepSetSecret {
			return errors.New("the database is unreachable")
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	if _, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")}); err != nil {
		panic(err)
	}

	err = srv.WaitRotation(context.Background(), "db")
	var rotErr *secretsmanagertest.RotationError
	if errors.As(err, &rotErr) {
		fmt.Println(rotErr.Step, rotErr.Attempts, rotErr.Err)
	}

	// The failed rotation stays pending, as in AWS.
	_, err = c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	var inv *types.InvalidRequestException
	if errors.As(err, &inv) {
		fmt.Println(inv.ErrorMessage())
	}
	// Output:
	// setSecret 2 the database is unreachable
	// A previous rotation isn't complete. That rotation will be reattempted.
}
