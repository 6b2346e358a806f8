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
)

func TestDeleteAndRestore(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	mustCreate(t, srv, "s", "one")

	del, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("s"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if got, want := time.Until(aws.ToTime(del.DeletionDate)), 7*24*time.Hour; got < want-time.Hour || got > want+time.Second {
		t.Errorf("DeletionDate: got %v from now, want about %v", got, want)
	}

	refused := []struct {
		name string
		call func() error
	}{
		{"GetSecretValue", func() error { _, err := getString(t, c, "s", ""); return err }},
		{"PutSecretValue", func() error { _, err := srv.PutSecretValue("s", "two"); return err }},
		{"DeleteSecret again", func() error {
			_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("s")})
			return err
		}},
		{"CreateSecret same name", func() error { _, err := srv.CreateSecret("s", "x"); return err }},
	}
	for _, tt := range refused {
		t.Run(tt.name+" refused", func(t *testing.T) {
			var inv *types.InvalidRequestException
			if err := tt.call(); !errors.As(err, &inv) {
				t.Fatalf("got %v, want *types.InvalidRequestException", err)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		_, err := getString(t, c, "s", "")
		want := "You can't perform this operation on the secret because it was marked for deletion."
		var inv *types.InvalidRequestException
		if !errors.As(err, &inv) || inv.ErrorMessage() != want {
			t.Fatalf("got %v, want InvalidRequestException %q", err, want)
		}
	})
	t.Run("DescribeSecret shows DeletedDate", func(t *testing.T) {
		out, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		if out.DeletedDate == nil {
			t.Errorf("DeletedDate: got nil, want a date")
		}
	})
	t.Run("RestoreSecret", func(t *testing.T) {
		if _, err := c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("s")}); err != nil {
			t.Fatalf("RestoreSecret: %v", err)
		}
		out, err := getString(t, c, "s", "")
		if err != nil {
			t.Fatalf("GetSecretValue after restore: %v", err)
		}
		if got := aws.ToString(out.SecretString); got != "one" {
			t.Errorf("got %q, want %q", got, "one")
		}
	})
}

func TestDeleteSecretParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      secretsmanager.DeleteSecretInput
		wantErr any
		gone    bool
	}{
		{name: "default window", in: secretsmanager.DeleteSecretInput{}},
		{name: "force", in: secretsmanager.DeleteSecretInput{ForceDeleteWithoutRecovery: aws.Bool(true)}, gone: true},
		{name: "window too short", in: secretsmanager.DeleteSecretInput{RecoveryWindowInDays: aws.Int64(6)}, wantErr: new(*types.InvalidParameterException)},
		{name: "window too long", in: secretsmanager.DeleteSecretInput{RecoveryWindowInDays: aws.Int64(31)}, wantErr: new(*types.InvalidParameterException)},
		{
			name:    "force with window",
			in:      secretsmanager.DeleteSecretInput{RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)},
			wantErr: new(*types.InvalidParameterException),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newServer(t)
			mustCreate(t, srv, "s", "one")
			in := tt.in
			in.SecretId = aws.String("s")
			_, err := c.DeleteSecret(context.Background(), &in)
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("got %v, want %T", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DeleteSecret: %v", err)
			}
			_, err = srv.CreateSecret("s", "again")
			if got := err == nil; got != tt.gone {
				t.Errorf("name free after delete: got %v (%v), want %v", got, err, tt.gone)
			}
		})
	}
}

// TestForceDeleteMissingSecret checks AWS's answer to a forced deletion of
// a secret that does not exist: success, echoing the name.
func TestForceDeleteMissingSecret(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	for _, id := range []string{"never-created", "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"} {
		out, err := c.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(id), ForceDeleteWithoutRecovery: aws.Bool(true)})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		wantName := id
		if strings.HasPrefix(id, "arn:") {
			wantName = "gone"
		}
		if aws.ToString(out.Name) != wantName || !strings.HasPrefix(aws.ToString(out.ARN), "arn:aws:secretsmanager:us-east-1:123456789012:secret:"+wantName+"-") || out.DeletionDate == nil {
			t.Errorf("%s: got Name %q ARN %q DeletionDate %v, want the name echoed", id, aws.ToString(out.Name), aws.ToString(out.ARN), out.DeletionDate)
		}
	}
	var nf *types.ResourceNotFoundException
	if _, err := c.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("never-created")}); !errors.As(err, &nf) {
		t.Errorf("without force: got %v, want *types.ResourceNotFoundException", err)
	}
}
