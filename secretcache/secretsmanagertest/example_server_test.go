package secretsmanagertest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func ExampleNewServerAt() {
	// A fixed address, for clients configured outside Go (port 0 picks a
	// free one here, to keep the example runnable anywhere).
	srv, err := secretsmanagertest.NewServerAt("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL, "http://127.0.0.1:"))

	_, err = secretsmanagertest.NewServerAt("0.0.0.0:0")
	fmt.Println(err != nil)
	// Output:
	// true
	// true
}

func ExampleWithSeed() {
	seeds, err := secretsmanagertest.ParseSeed([]byte(`[
		{"Name": "prod/db", "SecretString": "{\"password\":\"pw\"}", "Tags": [{"Key": "team", "Value": "core"}]},
		{"Name": "prod/db", "SecretString": "eu", "Region": "eu-west-1"}
	]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := secretsmanagertest.NewServer(secretsmanagertest.WithSeed(seeds...))
	defer srv.Close()
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		c := srv.Client(func(o *secretsmanager.Options) { o.Region = region })
		out, err := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(region, aws.ToString(out.SecretString))
	}
	// Output:
	// us-east-1 {"password":"pw"}
	// eu-west-1 eu
}

func ExampleServer_Reset() {
	srv := secretsmanagertest.NewServer(secretsmanagertest.WithSeed(secretsmanagertest.SeedSecret{Name: "seeded", SecretString: aws.String("v")}))
	defer srv.Close()
	if _, err := srv.CreateSecret("added", "v"); err != nil {
		fmt.Println(err)
		return
	}

	// POST ResetPath does the same for clients outside Go.
	resp, err := http.Post(srv.URL+secretsmanagertest.ResetPath, "application/json", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	list, err := srv.Client().ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range list.SecretList {
		fmt.Println(aws.ToString(s.Name))
	}
	// Output: seeded
}

func ExampleWithRegion() {
	srv := secretsmanagertest.NewServer(secretsmanagertest.WithRegion("eu-central-1"), secretsmanagertest.WithAccountID("210987654321"))
	defer srv.Close()
	arn, err := srv.CreateSecret("db", "v")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.TrimSuffix(arn, arn[len(arn)-6:]))

	// Replicas are read through a client of their region.
	c := srv.Client()
	if _, err := c.ReplicateSecretToRegions(context.Background(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String("db"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}},
	}); err != nil {
		fmt.Println(err)
		return
	}
	eu := srv.Client(func(o *secretsmanager.Options) { o.Region = "eu-west-1" })
	d, err := eu.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(aws.ToString(d.PrimaryRegion))
	// Output:
	// arn:aws:secretsmanager:eu-central-1:210987654321:secret:db-
	// eu-central-1
}

func ExampleServer_SetRotationLambda() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	if _, err := srv.CreateSecret("db", "old"); err != nil {
		fmt.Println(err)
		return
	}
	const lambda = "arn:aws:lambda:us-east-1:123456789012:function:rotate-db"
	srv.SetRotationLambda(lambda, func(_ context.Context, req secretsmanagertest.RotationRequest) error {
		fmt.Println("invoked for", req.Step)
		return nil
	})

	// Any client names the function by its ARN, as with AWS.
	_, err := srv.Client().RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotationLambdaARN: aws.String(lambda), RotateImmediately: aws.Bool(false),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(srv.WaitRotation(context.Background(), "db"))
	// Output:
	// invoked for testSecret
	// <nil>
}

func ExampleServer_Handler() {
	srv := secretsmanagertest.NewServer()
	defer srv.Close()
	// Serve the handler from a server of your own (here, a plain check of
	// the health endpoint through it).
	h := srv.Handler()
	rec := httptest.NewRecorder()
	req, err := http.NewRequest(http.MethodGet, secretsmanagertest.HealthPath, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output: 200 {"status":"ok"}
}
