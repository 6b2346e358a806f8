package secretsmanagertest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

func TestRotateSecretErrors(t *testing.T) {
	t.Parallel()
	noop := func(context.Context, secretsmanagertest.RotationRequest) error { return nil }
	tests := []struct {
		name     string
		fn       secretsmanagertest.RotationFunc
		in       secretsmanager.RotateSecretInput
		code     string
		contains string
	}{
		{"no function, no Lambda ARN", nil, secretsmanager.RotateSecretInput{}, "InvalidRequestException",
			"No Lambda rotation function ARN is associated with this secret."},
		{"a Lambda ARN that cannot be invoked", nil, secretsmanager.RotateSecretInput{
			RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:123456789012:function:nope"),
		}, "AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."},
		{"token too short", noop, secretsmanager.RotateSecretInput{ClientRequestToken: aws.String("short")}, "ValidationException",
			"1 validation error detected: Value 'short' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32"},
		{"days out of range", noop, secretsmanager.RotateSecretInput{RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1001)}},
			"ValidationException", "Value '1001' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"bad duration", noop, secretsmanager.RotateSecretInput{RotationRules: &types.RotationRulesType{
			AutomaticallyAfterDays: aws.Int64(1), Duration: aws.String("3d"),
		}}, "ValidationException", "Value '3d' at 'rotationRules.duration' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+h"},
		{"days and schedule", noop, secretsmanager.RotateSecretInput{RotationRules: &types.RotationRulesType{
			AutomaticallyAfterDays: aws.Int64(1), ScheduleExpression: aws.String("rate(1 days)"),
		}}, "InvalidParameterException", "AutomaticallyAfterDays and ScheduleExpression"},
		{"rate too fast", noop, secretsmanager.RotateSecretInput{RotationRules: &types.RotationRulesType{
			ScheduleExpression: aws.String("rate(2 hours)"),
		}}, "InvalidParameterException", "four hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "db", "old")
			if err := srv.SetRotationFunc("db", tt.fn); err != nil {
				t.Fatal(err)
			}
			in := tt.in
			in.SecretId = aws.String("db")
			_, err := c.RotateSecret(context.Background(), &in)
			if got := errorCode(err); got != tt.code || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("got %v, want %s containing %q", err, tt.code, tt.contains)
			}
			// A refused RotateSecret configures nothing.
			desc, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
			if err != nil {
				t.Fatal(err)
			}
			if desc.RotationEnabled != nil || desc.RotationLambdaARN != nil || desc.RotationRules != nil || len(desc.VersionIdsToStages) != 1 {
				t.Errorf("after the refusal: got RotationEnabled %v RotationLambdaARN %v RotationRules %v versions %v, want none and one version",
					desc.RotationEnabled, desc.RotationLambdaARN, desc.RotationRules, desc.VersionIdsToStages)
			}
		})
	}
}

func TestRotateSecretRetriedRequest(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	var rec recorder
	if err := srv.SetRotationFunc("db", templateRotation(c, "new", &rec, nil)); err != nil {
		t.Fatal(err)
	}
	in := &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), ClientRequestToken: aws.String("00000000-0000-4000-8000-00000000000a")}
	first := rotate(t, c, in)
	if err := waitRotation(t, srv, "db"); err != nil {
		t.Fatal(err)
	}
	if second := rotate(t, c, in); second != first {
		t.Errorf("a repeated request answered version %s, want %s", second, first)
	}
	if got := rec.count("createSecret"); got != 1 {
		t.Errorf("createSecret invocations: got %d, want 1 (the repeated request starts nothing)", got)
	}
	// A token that names another existing version cannot start a rotation.
	old := describeStages(t, c, "db")
	for id := range old {
		if id == first {
			continue
		}
		_, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), ClientRequestToken: aws.String(id)})
		var inv *types.InvalidRequestException
		if !errors.As(err, &inv) || !strings.Contains(inv.ErrorMessage(), "You can't use ClientRequestToken "+id) {
			t.Errorf("RotateSecret with the token of version %s: got %v, want InvalidRequestException", id, err)
		}
	}
}

func TestDescribeSecretRotationFields(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	endOfDay := func(t time.Time, days int) time.Time {
		return t.UTC().Truncate(day).AddDate(0, 0, days).Add(day - time.Second)
	}
	tests := []struct {
		name      string
		rules     *types.RotationRulesType
		wantDays  int64
		wantNext  func(rotated time.Time) time.Time // nil: no date
		wantSched string
	}{
		{"no rules", nil, 0, nil, ""},
		{"days", &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(7)}, 7,
			func(r time.Time) time.Time { return endOfDay(r, 7) }, ""},
		{"days with a window", &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(2), Duration: aws.String("3h")}, 2,
			func(r time.Time) time.Time {
				return r.UTC().Truncate(day).AddDate(0, 0, 2).Add(3*time.Hour - time.Second)
			}, ""},
		{"rate in days", &types.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)")}, 10,
			func(r time.Time) time.Time { return endOfDay(r, 10) }, "rate(10 days)"},
		{"rate in hours", &types.RotationRulesType{ScheduleExpression: aws.String("rate(6 hours)")}, 0,
			func(r time.Time) time.Time { return r.UTC().Truncate(time.Hour).Add(7*time.Hour - time.Second) }, "rate(6 hours)"},
		{"cron", &types.RotationRulesType{ScheduleExpression: aws.String("cron(0 16 1,15 * ? *)")}, 0, nil, "cron(0 16 1,15 * ? *)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "db", "old")
			describe := func() *secretsmanager.DescribeSecretOutput {
				t.Helper()
				out, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			if d := describe(); d.RotationEnabled != nil || d.RotationLambdaARN != nil || d.RotationRules != nil || d.NextRotationDate != nil || d.LastRotatedDate != nil {
				t.Fatalf("a secret never configured for rotation shows rotation fields: %+v", d)
			}
			var rec recorder
			if err := srv.SetRotationFunc("db", templateRotation(c, "new", &rec, nil)); err != nil {
				t.Fatal(err)
			}
			lambda := "arn:aws:lambda:us-east-1:123456789012:function:rotator"
			rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationRules: tt.rules, RotationLambdaARN: aws.String(lambda)})
			if err := waitRotation(t, srv, "db"); err != nil {
				t.Fatal(err)
			}
			d := describe()
			if !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != lambda || d.LastRotatedDate == nil {
				t.Fatalf("got RotationEnabled %v RotationLambdaARN %v LastRotatedDate %v, want true, %s, a date",
					d.RotationEnabled, aws.ToString(d.RotationLambdaARN), d.LastRotatedDate, lambda)
			}
			if tt.rules == nil {
				if d.RotationRules != nil {
					t.Errorf("RotationRules: got %+v, want none", d.RotationRules)
				}
			} else if d.RotationRules == nil || aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != tt.wantDays ||
				aws.ToString(d.RotationRules.ScheduleExpression) != tt.wantSched {
				t.Errorf("RotationRules: got %+v, want AutomaticallyAfterDays %d ScheduleExpression %q", d.RotationRules, tt.wantDays, tt.wantSched)
			}
			switch {
			case tt.wantNext == nil && d.NextRotationDate != nil:
				t.Errorf("NextRotationDate: got %v, want none", d.NextRotationDate)
			case tt.wantNext != nil && (d.NextRotationDate == nil || !d.NextRotationDate.Equal(tt.wantNext(*d.LastRotatedDate))):
				t.Errorf("NextRotationDate: got %v, want %v (LastRotatedDate %v)", d.NextRotationDate, tt.wantNext(*d.LastRotatedDate), d.LastRotatedDate)
			}

			if _, err := c.CancelRotateSecret(context.Background(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")}); err != nil {
				t.Fatal(err)
			}
			d = describe()
			if d.RotationEnabled == nil || *d.RotationEnabled || d.NextRotationDate != nil || d.LastRotatedDate != nil ||
				aws.ToString(d.RotationLambdaARN) != lambda || (tt.rules != nil) != (d.RotationRules != nil) {
				t.Errorf("after CancelRotateSecret: got RotationEnabled %v NextRotationDate %v LastRotatedDate %v RotationLambdaARN %v RotationRules %+v, want false, none, none, kept, kept",
					d.RotationEnabled, d.NextRotationDate, d.LastRotatedDate, aws.ToString(d.RotationLambdaARN), d.RotationRules)
			}
		})
	}
}

func TestCancelRotateSecretWithoutRotation(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	out, err := c.CancelRotateSecret(context.Background(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatalf("CancelRotateSecret: %v", err)
	}
	if out.VersionId != nil {
		t.Errorf("VersionId: got %v, want none", aws.ToString(out.VersionId))
	}
	desc, err := c.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.RotationEnabled != nil {
		t.Errorf("RotationEnabled: got %v, want none for a secret never configured for rotation", *desc.RotationEnabled)
	}
	var nf *types.ResourceNotFoundException
	if _, err := c.CancelRotateSecret(context.Background(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("nope")}); !errors.As(err, &nf) {
		t.Errorf("missing secret: got %v, want *types.ResourceNotFoundException", err)
	}
}

func TestSetRotationLambda(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	mustCreate(t, srv, "db", "old")
	const lambda = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
	var rec recorder
	srv.SetRotationLambda(lambda, templateRotation(c, "new", &rec, nil))
	if _, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")}); errorCode(err) != "InvalidRequestException" {
		t.Fatalf("without the Lambda ARN: got %v, want InvalidRequestException", err)
	}
	rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: aws.String(lambda)})
	if err := waitRotation(t, srv, "db"); err != nil {
		t.Fatal(err)
	}
	// The configured ARN is remembered: the next rotation needs no ARN,
	// and it cannot be invoked once removed.
	rotate(t, c, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	if err := waitRotation(t, srv, "db"); err != nil {
		t.Fatal(err)
	}
	if got := rec.count("createSecret"); got != 2 {
		t.Errorf("createSecret invocations: got %d, want 2", got)
	}
	srv.SetRotationLambda(lambda, nil)
	if _, err := c.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")}); errorCode(err) != "AccessDeniedException" {
		t.Errorf("after removing the function: got %v, want AccessDeniedException", err)
	}
}
