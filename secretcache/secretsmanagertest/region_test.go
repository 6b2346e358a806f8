package secretsmanagertest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// inRegion returns a client of srv signing its requests for region.
func inRegion(srv *secretsmanagertest.Server, region string) *secretsmanager.Client {
	return srv.Client(func(o *secretsmanager.Options) { o.Region = region })
}

func TestARNsCarryTheRequestRegion(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tests := []struct{ region, prefix string }{
		{"us-east-1", "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-"},
		{"eu-west-2", "arn:aws:secretsmanager:eu-west-2:123456789012:secret:app-"},
		{"cn-north-1", "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:app-"},
		{"us-gov-west-1", "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:app-"},
	}
	for _, tt := range tests {
		rc := inRegion(srv, tt.region)
		out, err := rc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app"), SecretString: aws.String("in " + tt.region)})
		if err != nil {
			t.Fatalf("%s: CreateSecret: %v", tt.region, err)
		}
		arn := aws.ToString(out.ARN)
		if !strings.HasPrefix(arn, tt.prefix) || len(arn) != len(tt.prefix)+6 {
			t.Errorf("%s: ARN %q, want %q and 6 characters", tt.region, arn, tt.prefix)
		}
		got, err := rc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil || aws.ToString(got.SecretString) != "in "+tt.region {
			t.Errorf("%s: GetSecretValue by ARN: got %v, %v", tt.region, got, err)
		}
	}
	// Each region has its own secret named app; the default client sees
	// the us-east-1 one, and an ARN of another region names nothing here.
	out, err := getString(t, c, "app", "")
	if err != nil || aws.ToString(out.SecretString) != "in us-east-1" {
		t.Fatalf("default client: got %v, %v, want the us-east-1 secret", out, err)
	}
	eu, err := inRegion(srv, "eu-west-2").DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := getString(t, c, aws.ToString(eu.ARN), ""); errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("an eu-west-2 ARN through a us-east-1 client: got %v, want ResourceNotFoundException", err)
	}
	list, err := inRegion(srv, "ap-south-1").ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 0 {
		t.Errorf("ListSecrets in a region without secrets: got %v, %v, want none", list, err)
	}
}

func TestServerOptions(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, secretsmanagertest.WithRegion("eu-central-1"), secretsmanagertest.WithAccountID("210987654321"))
	arn := mustCreate(t, srv, "db", "v")
	if want := "arn:aws:secretsmanager:eu-central-1:210987654321:secret:db-"; !strings.HasPrefix(arn, want) {
		t.Errorf("ARN %q, want the prefix %q", arn, want)
	}
	out, err := srv.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil || aws.ToString(out.SecretString) != "v" {
		t.Errorf("Client of the server's region: got %v, %v", out, err)
	}
	if _, err := getString(t, srv.Client(), strings.Replace(arn, "210987654321", "123456789012", 1), ""); errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("ARN of another account: got %v, want ResourceNotFoundException", err)
	}
	for name, opt := range map[string]func(){
		"bad region":  func() { secretsmanagertest.WithRegion("Mars") },
		"bad account": func() { secretsmanagertest.WithAccountID("12345") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			opt()
		}()
	}
}

func TestUnsignedRequestUsesServerRegion(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, secretsmanagertest.WithRegion("sa-east-1"))
	status, out := post(t, srv.URL, "CreateSecret", map[string]any{"Name": "raw", "SecretString": "v", "ClientRequestToken": "00000000-0000-4000-8000-000000000001"})
	if arn, _ := out["ARN"].(string); status != 200 || !strings.HasPrefix(arn, "arn:aws:secretsmanager:sa-east-1:") {
		t.Errorf("got %d %v, want a sa-east-1 ARN", status, out)
	}
}
