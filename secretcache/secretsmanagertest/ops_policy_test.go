package secretsmanagertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

const (
	publicPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	rolePolicy   = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`
)

func TestResourcePolicy(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	arn := mustCreate(t, srv, "s", "v")
	get := func() *secretsmanager.GetResourcePolicyOutput {
		t.Helper()
		out, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := get(); out.ResourcePolicy != nil || aws.ToString(out.ARN) != arn || aws.ToString(out.Name) != "s" {
		t.Errorf("before any policy: got %+v, want ARN and Name only", out)
	}
	put, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("s"), ResourcePolicy: aws.String(publicPolicy)})
	if err != nil || aws.ToString(put.ARN) != arn {
		t.Fatalf("PutResourcePolicy: %v, %v", put, err)
	}
	if got := aws.ToString(get().ResourcePolicy); got != publicPolicy {
		t.Errorf("GetResourcePolicy: got %s, want the policy as it was put", got)
	}
	if _, err := c.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if out := get(); out.ResourcePolicy != nil {
		t.Errorf("after DeleteResourcePolicy: got %s, want none", aws.ToString(out.ResourcePolicy))
	}

	t.Run("malformed", func(t *testing.T) {
		for _, policy := range []string{"not json", `{"Version":"2019-10-19","Statement":[]}`, `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}`, `{"Version":"2012-10-17"}`} {
			_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("s"), ResourcePolicy: aws.String(policy)})
			var bad *types.MalformedPolicyDocumentException
			if !errors.As(err, &bad) || bad.ErrorMessage() != "This policy has invalid syntax." {
				t.Errorf("%s: got %v, want *types.MalformedPolicyDocumentException", policy, err)
			}
		}
	})
	t.Run("BlockPublicPolicy", func(t *testing.T) {
		_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("s"), ResourcePolicy: aws.String(publicPolicy), BlockPublicPolicy: aws.Bool(true)})
		var public *types.PublicPolicyException
		if !errors.As(err, &public) {
			t.Errorf("public policy: got %v, want *types.PublicPolicyException", err)
		}
		if _, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("s"), ResourcePolicy: aws.String(rolePolicy), BlockPublicPolicy: aws.Bool(true)}); err != nil {
			t.Errorf("policy for one role: %v", err)
		}
	})
}

func TestValidateResourcePolicy(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	mustCreate(t, srv, "s", "v")
	for _, tt := range []struct {
		policy string
		pass   bool
	}{{rolePolicy, true}, {publicPolicy, false}} {
		out, err := c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{SecretId: aws.String("s"), ResourcePolicy: aws.String(tt.policy)})
		if err != nil {
			t.Fatal(err)
		}
		if out.PolicyValidationPassed != tt.pass || (len(out.ValidationErrors) == 0) != tt.pass {
			t.Errorf("%s: got passed %v errors %+v, want passed %v", tt.policy, out.PolicyValidationPassed, out.ValidationErrors, tt.pass)
		}
	}
	var bad *types.MalformedPolicyDocumentException
	if _, err := c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: aws.String("{")}); !errors.As(err, &bad) {
		t.Errorf("malformed: got %v, want *types.MalformedPolicyDocumentException", err)
	}
	var nf *types.ResourceNotFoundException
	if _, err := c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{SecretId: aws.String("nope"), ResourcePolicy: aws.String(rolePolicy)}); !errors.As(err, &nf) {
		t.Errorf("missing secret: got %v, want *types.ResourceNotFoundException", err)
	}
	if got, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("s")}); err != nil || got.ResourcePolicy != nil {
		t.Errorf("ValidateResourcePolicy attached a policy: %v, %v", got, err)
	}
}
