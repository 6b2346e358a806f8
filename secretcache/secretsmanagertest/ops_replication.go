package secretsmanagertest

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Replication statuses the server reports. Replication is immediate, so a
// replica is never InProgress.
const (
	statusInSync = "InSync"
	statusFailed = "Failed"
)

// replicaRegion is an element of AddReplicaRegions.
type replicaRegion struct {
	Region   string  `json:"Region"`
	KmsKeyID *string `json:"KmsKeyId"`
}

// replicaStatus is an element of ReplicationStatus.
type replicaStatus struct {
	Region           string     `json:"Region"`
	KmsKeyID         string     `json:"KmsKeyId,omitempty"`
	Status           string     `json:"Status"`
	StatusMessage    string     `json:"StatusMessage,omitempty"`
	LastAccessedDate *epochTime `json:"LastAccessedDate,omitempty"`
}

// replica is a primary's record of one of its replicas.
type replica struct {
	region   string
	kmsKeyID string
	status   string
	message  string
	secret   *secret // the replica secret in region; nil if replication failed
}

// checkReplicaRegions records the model's constraints on AddReplicaRegions.
func checkReplicaRegions(c *checks, regions []replicaRegion) {
	c.count("addReplicaRegions", len(regions), regions != nil, 1, 0)
	for i := range regions {
		checkRegion(c, member("addReplicaRegions", i, "region"), regions[i].Region)
		c.length(member("addReplicaRegions", i, "kmsKeyId"), regions[i].KmsKeyID, 0, 2048)
	}
}

func checkRegion(c *checks, path, region string) {
	c.length(path, &region, 1, 128)
	c.pattern(path, &region, regionPattern, `^([a-z]+-)+\d+$`)
}

// checkReplication refuses to replicate a secret to its own region.
func (s *Server) checkReplication(region string, regions []replicaRegion) error {
	for _, r := range regions {
		if r.Region == region {
			return errInvalidParameter("Invalid replica region.")
		}
	}
	return nil
}

// replicate creates replicas of primary in regions, skipping those it
// already has and retrying those that failed. A region holding a secret of the same name fails to
// replicate unless force says to overwrite it (a secret that is itself
// replicated is never overwritten). The caller holds store.mu.
func (s *Server) replicate(primary *secret, regions []replicaRegion, force bool) []replicaStatus {
	suffix := strings.TrimPrefix(primary.arn, secretARNPrefix(primary.region, s.store.account))
	for _, r := range regions {
		if old := primary.replicaIn(r.Region); old != nil {
			if old.secret != nil {
				continue // replicated already
			}
			primary.dropReplica(r.Region) // failed before: try again
		}
		rep := &replica{region: r.Region, kmsKeyID: aws.ToString(r.KmsKeyID), status: statusInSync, message: "Replication succeeded"}
		primary.replicas = append(primary.replicas, rep)
		if old, taken := s.store.in(r.Region)[primary.name]; taken {
			if !force || len(old.replicas) > 0 {
				rep.status, rep.message = statusFailed, "Replication failed: Secret with this name already exists in this region."
				continue
			}
			if old.primary != nil {
				old.primary.dropReplica(r.Region)
			}
			s.store.remove(old)
		}
		t := s.store.changeDate()
		s.store.created++
		rep.secret = &secret{
			name: primary.name, region: r.Region, arn: secretARNPrefix(r.Region, s.store.account) + suffix,
			seq: s.store.created, created: t, changed: t, primary: primary,
		}
		s.store.in(r.Region)[primary.name] = rep.secret
	}
	primary.changed = s.store.changeDate()
	return primary.replicationStatus()
}

func (s *secret) replicaIn(region string) *replica {
	for _, r := range s.replicas {
		if r.region == region {
			return r
		}
	}
	return nil
}

// dropReplica forgets the replica in region.
func (s *secret) dropReplica(region string) {
	for i, r := range s.replicas {
		if r.region == region {
			s.replicas = append(s.replicas[:i], s.replicas[i+1:]...)
			return
		}
	}
}

// replicationStatus reports a primary's replicas; nil for a secret that
// has none.
func (s *secret) replicationStatus() []replicaStatus {
	var out []replicaStatus
	for _, r := range s.replicas {
		st := replicaStatus{Region: r.region, KmsKeyID: r.kmsKeyID, Status: r.status, StatusMessage: r.message}
		if st.KmsKeyID == "" {
			st.KmsKeyID = "alias/aws/secretsmanager"
		}
		if r.secret != nil {
			st.LastAccessedDate = epoch(r.secret.accessed)
		}
		out = append(out, st)
	}
	return out
}

type replicateSecretToRegionsInput struct {
	SecretID                    string          `json:"SecretId"`
	AddReplicaRegions           []replicaRegion `json:"AddReplicaRegions"`
	ForceOverwriteReplicaSecret bool            `json:"ForceOverwriteReplicaSecret"`
}

type replicationOutput struct {
	ARN               string          `json:"ARN"`
	ReplicationStatus []replicaStatus `json:"ReplicationStatus"`
}

// replicateSecretToRegions replicates a primary secret to more regions.
// Replicas are created at once and stay in sync: they show the primary's
// versions, labels, description, tags and policy, and refuse every change.
func (s *Server) replicateSecretToRegions(ctx context.Context, in *replicateSecretToRegionsInput) (*replicationOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	c.required("addReplicaRegions", in.AddReplicaRegions != nil)
	checkReplicaRegions(&c, in.AddReplicaRegions)
	sec, unlock, err := s.openSecret(ctx, &c, in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.checkReplication(sec.region, in.AddReplicaRegions); err != nil {
		return nil, err
	}
	return &replicationOutput{ARN: sec.arn, ReplicationStatus: s.replicate(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)}, nil
}

type removeRegionsFromReplicationInput struct {
	SecretID             string   `json:"SecretId"`
	RemoveReplicaRegions []string `json:"RemoveReplicaRegions"`
}

// removeRegionsFromReplication deletes a primary's replicas in the regions
// given, at once.
func (s *Server) removeRegionsFromReplication(ctx context.Context, in *removeRegionsFromReplicationInput) (*replicationOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	c.required("removeReplicaRegions", in.RemoveReplicaRegions != nil)
	c.countStrings("removeReplicaRegions", in.RemoveReplicaRegions, 1, 0)
	for i, r := range in.RemoveReplicaRegions {
		checkRegion(&c, member("removeReplicaRegions", i, ""), r)
	}
	sec, unlock, err := s.openSecret(ctx, &c, in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for _, region := range in.RemoveReplicaRegions {
		if r := sec.replicaIn(region); r != nil {
			if r.secret != nil {
				s.store.remove(r.secret)
			}
			sec.dropReplica(region)
		}
	}
	sec.changed = s.store.changeDate()
	return &replicationOutput{ARN: sec.arn, ReplicationStatus: nonNil(sec.replicationStatus())}, nil
}

type arnOutput struct {
	ARN string `json:"ARN"`
}

// stopReplicationToReplica, called in a replica's region, promotes the
// replica to a standalone secret holding a copy of the primary's state;
// the primary forgets it.
func (s *Server) stopReplicationToReplica(ctx context.Context, in *secretIDInput) (*arnOutput, error) {
	sec, unlock, err := s.openSecretID(ctx, in, (*store).lookupLive)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p := sec.primary
	if p == nil {
		return nil, errInvalidRequest("%s is not a replica secret: call StopReplicationToReplica in the replica's region.", sec.arn)
	}
	kms := p.replicaIn(sec.region).kmsKeyID
	p.dropReplica(sec.region)
	sec.primary = nil
	sec.description, sec.kmsKeyID, sec.typ, sec.owningService = p.description, kms, p.typ, p.owningService
	if p.tags != nil {
		sec.tags = append([]tag{}, p.tags...)
	}
	if p.policy != nil {
		sec.policy = aws.String(*p.policy)
	}
	sec.versions = make(map[string]*version, len(p.versions))
	for id, v := range p.versions {
		copied := *v
		sec.versions[id] = &copied
	}
	sec.order = append([]string{}, p.order...)
	sec.labels = make(map[string]string, len(p.labels))
	for k, v := range p.labels {
		sec.labels[k] = v
	}
	sec.changed = s.store.changeDate()
	p.changed = sec.changed
	return &arnOutput{ARN: sec.arn}, nil
}

// nonNil returns an empty list for nil, for lists the answer always has.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
