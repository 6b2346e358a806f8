package secretsmanagertest

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Recovery windows DeleteSecret accepts, in days.
const (
	minRecoveryDays     = 7
	maxRecoveryDays     = 30
	defaultRecoveryDays = 30
)

type deleteSecretInput struct {
	SecretID                   string `json:"SecretId"`
	RecoveryWindowInDays       *int   `json:"RecoveryWindowInDays"`
	ForceDeleteWithoutRecovery bool   `json:"ForceDeleteWithoutRecovery"`
}

type deleteSecretOutput struct {
	ARN          string     `json:"ARN"`
	Name         string     `json:"Name"`
	DeletionDate *epochTime `json:"DeletionDate,omitempty"`
}

// deleteSecret schedules a secret for deletion, or removes it at once with
// ForceDeleteWithoutRecovery, which also "succeeds" on a secret that does
// not exist, as AWS does, echoing the name. A scheduled deletion never
// completes on this server: tests that need the name free again force the
// deletion. A primary secret must lose its replicas first; a replica is
// removed through its primary (RemoveRegionsFromReplication).
func (s *Server) deleteSecret(ctx context.Context, in *deleteSecretInput) (*deleteSecretOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	if err := c.err(); err != nil {
		return nil, err
	}
	// The window is checked before it is found to conflict with a forced
	// deletion, as moto does.
	days := defaultRecoveryDays
	if in.RecoveryWindowInDays != nil {
		days = *in.RecoveryWindowInDays
		if days < minRecoveryDays || days > maxRecoveryDays {
			return nil, errInvalidParameter("The RecoveryWindowInDays value must be between %d and %d days (inclusive).", minRecoveryDays, maxRecoveryDays)
		}
		if in.ForceDeleteWithoutRecovery {
			return nil, errInvalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
		}
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	region := s.regionOf(ctx)
	sec, err := s.store.lookup(region, in.SecretID)
	if in.ForceDeleteWithoutRecovery && isNotFound(err) {
		return s.deletedNothing(region, in.SecretID), nil
	}
	if err != nil {
		return nil, err
	}
	if sec.primary != nil {
		return nil, errReplica()
	}
	if len(sec.replicas) > 0 {
		regions := make([]string, len(sec.replicas))
		for i, r := range sec.replicas {
			regions[i] = r.region
		}
		return nil, errInvalidParameter("You can't delete secret %s that still has replica regions [%s]", sec.arn, strings.Join(regions, ", "))
	}
	t := s.store.changeDate()
	out := &deleteSecretOutput{ARN: sec.arn, Name: sec.name, DeletionDate: epoch(t)}
	if in.ForceDeleteWithoutRecovery {
		s.store.remove(sec)
		return out, nil
	}
	if !sec.deleted.IsZero() {
		return nil, errMarkedDeleted()
	}
	sec.deleted, sec.changed = t, t
	out.DeletionDate = epoch(t.Add(time.Duration(days) * 24 * time.Hour))
	return out, nil
}

// deletedNothing answers a forced deletion of a secret that does not
// exist: the name (or the ARN) it was given, and the date.
func (s *Server) deletedNothing(region, id string) *deleteSecretOutput {
	out := &deleteSecretOutput{ARN: id, Name: id, DeletionDate: epoch(now())}
	if _, _, rest, ok := parseSecretARN(id); ok {
		out.Name = rest
		if i := len(rest) - 7; i > 0 && rest[i] == '-' {
			out.Name = rest[:i]
		}
	} else {
		out.ARN = secretARNPrefix(region, s.store.account) + id + "-" + arnSuffix()
	}
	return out
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// restoreSecret cancels a scheduled deletion; on a live secret it does
// nothing, as in AWS.
func (s *Server) restoreSecret(ctx context.Context, in *secretIDInput) (*secretOutput, error) {
	sec, unlock, err := s.openSecretID(ctx, in, (*store).lookup)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if sec.primary != nil {
		return nil, errReplica()
	}
	sec.deleted = time.Time{}
	sec.changed = s.store.changeDate()
	return &secretOutput{ARN: sec.arn, Name: sec.name}, nil
}
