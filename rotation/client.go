package rotation

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Client is the part of the Secrets Manager API a rotation calls. A
// *secretsmanager.Client implements it; tests may use the client of
// package secretsmanagertest, or a fake.
//
// The IAM policy of a rotation function needs exactly these actions on the
// rotated secret (secretsmanager:DescribeSecret, GetSecretValue,
// PutSecretValue, UpdateSecretVersionStage), secretsmanager:GetRandomPassword
// on "*", and, for alternating users, GetSecretValue on the secret named by
// the masterarn key.
type Client interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
	GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error)
}

var _ Client = (*secretsmanager.Client)(nil)
