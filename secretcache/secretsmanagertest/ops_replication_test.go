package secretsmanagertest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

const msgReplica = "Operation not permitted on a replica secret. Call must be made in primary secret's region."

// statuses returns a ReplicationStatus as region=status.
func statuses(list []types.ReplicationStatusType) []string {
	var out []string
	for _, s := range list {
		out = append(out, aws.ToString(s.Region)+"="+string(s.Status))
	}
	return out
}

func TestReplication(t *testing.T) {
	t.Parallel()
	srv, us := newServer(t)
	eu, ap := inRegion(srv, "eu-west-1"), inRegion(srv, "ap-south-1")
	ctx := context.Background()
	arn := mustCreate(t, srv, "db", "v1")
	if _, err := us.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("db"), ResourcePolicy: aws.String(rolePolicy)}); err != nil {
		t.Fatal(err)
	}
	rep, err := us.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("db"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}, {Region: aws.String("ap-south-1"), KmsKeyId: aws.String("alias/ap")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(statuses(rep.ReplicationStatus), " "); aws.ToString(rep.ARN) != arn || got != "eu-west-1=InSync ap-south-1=InSync" {
		t.Fatalf("ReplicateSecretToRegions: got ARN %s statuses %s", aws.ToString(rep.ARN), got)
	}

	replicaARN := strings.Replace(arn, ":us-east-1:", ":eu-west-1:", 1)
	for _, id := range []string{"db", replicaARN} {
		out, err := eu.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil || aws.ToString(out.SecretString) != "v1" || aws.ToString(out.ARN) != replicaARN {
			t.Fatalf("GetSecretValue(%s) in the replica region: got %+v, %v, want v1 under %s", id, out, err, replicaARN)
		}
	}
	d, err := eu.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(d.PrimaryRegion) != "us-east-1" || d.ReplicationStatus != nil || len(d.VersionIdsToStages) != 1 {
		t.Errorf("DescribeSecret of the replica: got %+v, %v", d, err)
	}
	d, err = us.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(d.PrimaryRegion) != "us-east-1" || len(d.ReplicationStatus) != 2 ||
		d.ReplicationStatus[0].LastAccessedDate == nil || aws.ToString(d.ReplicationStatus[1].KmsKeyId) != "alias/ap" {
		t.Errorf("DescribeSecret of the primary: got %+v, %v, want both replicas, eu-west-1 read", d, err)
	}
	if pol, err := eu.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("db")}); err != nil || aws.ToString(pol.ResourcePolicy) != rolePolicy {
		t.Errorf("the replica's policy: got %v, %v, want the primary's", pol, err)
	}

	// A change to the primary shows in the replica at once.
	if _, err := srv.PutSecretValue("db", "v2"); err != nil {
		t.Fatal(err)
	}
	if out, err := getString(t, eu, "db", ""); err != nil || aws.ToString(out.SecretString) != "v2" {
		t.Errorf("replica after a put: got %v, %v, want v2", out, err)
	}
	list, err := eu.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypePrimaryRegion, Values: []string{"us-east"}}}})
	if err != nil || len(list.SecretList) != 1 || aws.ToString(list.SecretList[0].ARN) != replicaARN {
		t.Errorf("ListSecrets in the replica region by primary region: got %+v, %v", list, err)
	}

	// Every change through the replica is refused.
	refused := map[string]func() error{
		"PutSecretValue": func() error {
			_, err := eu.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("db"), SecretString: aws.String("x")})
			return err
		},
		"UpdateSecret": func() error {
			_, err := eu.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("db"), Description: aws.String("x")})
			return err
		},
		"DeleteSecret": func() error {
			_, err := eu.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("db")})
			return err
		},
		"TagResource": func() error {
			_, err := eu.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("db"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		},
		"PutResourcePolicy": func() error {
			_, err := eu.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("db"), ResourcePolicy: aws.String(rolePolicy)})
			return err
		},
		"RotateSecret": func() error {
			_, err := eu.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
			return err
		},
		"UpdateSecretVersionStage": func() error {
			_, err := eu.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("db"), VersionStage: aws.String("x"), RemoveFromVersionId: aws.String(strings.Repeat("0", 32))})
			return err
		},
	}
	for op, call := range refused {
		var ipe *types.InvalidParameterException
		if err := call(); !errors.As(err, &ipe) || ipe.ErrorMessage() != msgReplica {
			t.Errorf("%s through the replica: got %v, want %q", op, err, msgReplica)
		}
	}

	// The primary cannot go while it has replicas.
	_, err = us.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("db"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	want := "You can't delete secret " + arn + " that still has replica regions [eu-west-1, ap-south-1]."
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) || ipe.ErrorMessage() != want {
		t.Errorf("DeleteSecret of a replicated primary: got %v, want %q", err, want)
	}

	removed, err := us.RemoveRegionsFromReplication(ctx, &secretsmanager.RemoveRegionsFromReplicationInput{SecretId: aws.String("db"), RemoveReplicaRegions: []string{"ap-south-1"}})
	if err != nil || strings.Join(statuses(removed.ReplicationStatus), " ") != "eu-west-1=InSync" {
		t.Fatalf("RemoveRegionsFromReplication: got %+v, %v", removed, err)
	}
	if _, err := getString(t, ap, "db", ""); errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("the removed replica: got %v, want ResourceNotFoundException", err)
	}

	// StopReplicationToReplica promotes the replica to a secret of its own.
	stopped, err := eu.StopReplicationToReplica(ctx, &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(stopped.ARN) != replicaARN {
		t.Fatalf("StopReplicationToReplica: got %v, %v", stopped, err)
	}
	if _, err := eu.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("db"), SecretString: aws.String("eu only")}); err != nil {
		t.Errorf("PutSecretValue on the promoted replica: %v", err)
	}
	if out, err := getString(t, us, "db", ""); err != nil || aws.ToString(out.SecretString) != "v2" {
		t.Errorf("the primary after the promotion: got %v, %v, want v2", out, err)
	}
	d, err = us.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil || d.ReplicationStatus != nil || d.PrimaryRegion != nil {
		t.Errorf("the primary after the promotion: got %+v, %v, want no replication", d, err)
	}
	if _, err := us.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("db"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Errorf("DeleteSecret once the replicas are gone: %v", err)
	}
}

func TestReplicationConflicts(t *testing.T) {
	t.Parallel()
	srv, us := newServer(t)
	eu := inRegion(srv, "eu-west-1")
	ctx := context.Background()
	if _, err := eu.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("eu's own")}); err != nil {
		t.Fatal(err)
	}
	created, err := us.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("us"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}, {Region: aws.String("eu-north-1")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(statuses(created.ReplicationStatus), " "); got != "eu-west-1=Failed eu-north-1=InSync" {
		t.Errorf("CreateSecret with replicas: got %s", got)
	}
	if msg := aws.ToString(created.ReplicationStatus[0].StatusMessage); !strings.Contains(msg, "already exists") {
		t.Errorf("StatusMessage of the clash: got %q", msg)
	}
	if out, err := getString(t, eu, "db", ""); err != nil || aws.ToString(out.SecretString) != "eu's own" {
		t.Errorf("eu-west-1's own secret: got %v, %v, want it untouched", out, err)
	}

	forced, err := us.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("db"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}, ForceOverwriteReplicaSecret: true})
	if err != nil || strings.Join(statuses(forced.ReplicationStatus), " ") != "eu-north-1=InSync eu-west-1=InSync" {
		t.Fatalf("forced replication: got %+v, %v", forced, err)
	}
	if out, err := getString(t, eu, "db", ""); err != nil || aws.ToString(out.SecretString) != "us" {
		t.Errorf("eu-west-1 after the forced replication: got %v, %v, want the replica", out, err)
	}

	_, err = us.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("db"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-1")}}})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) || ipe.ErrorMessage() != "Invalid replica region." {
		t.Errorf("replication to the primary's region: got %v", err)
	}
	var inv *types.InvalidRequestException
	if _, err := us.StopReplicationToReplica(ctx, &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("db")}); !errors.As(err, &inv) {
		t.Errorf("StopReplicationToReplica on a primary: got %v, want *types.InvalidRequestException", err)
	}
}
