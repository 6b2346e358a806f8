package secretsmanagertest

import (
	"context"
	"time"
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
// ForceDeleteWithoutRecovery. A scheduled deletion never completes on this
// server: tests that need the name free again force the deletion.
func (s *Server) deleteSecret(_ context.Context, in *deleteSecretInput) (*deleteSecretOutput, error) {
	days := defaultRecoveryDays
	if in.RecoveryWindowInDays != nil {
		if in.ForceDeleteWithoutRecovery {
			return nil, errInvalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
		}
		days = *in.RecoveryWindowInDays
		if days < minRecoveryDays || days > maxRecoveryDays {
			return nil, errInvalidParameter("The RecoveryWindowInDays value must be between %d and %d days (inclusive).", minRecoveryDays, maxRecoveryDays)
		}
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookup(in.SecretID)
	if err != nil {
		return nil, err
	}
	t := now()
	out := &deleteSecretOutput{ARN: sec.arn, Name: sec.name, DeletionDate: epoch(t)}
	if in.ForceDeleteWithoutRecovery {
		delete(s.store.secrets, sec.name)
		return out, nil
	}
	if !sec.deleted.IsZero() {
		return nil, errMarkedDeleted()
	}
	sec.deleted = t
	out.DeletionDate = epoch(t.Add(time.Duration(days) * 24 * time.Hour))
	return out, nil
}

type restoreSecretInput struct {
	SecretID string `json:"SecretId"`
}

// restoreSecret cancels a scheduled deletion; on a live secret it does
// nothing, as in AWS.
func (s *Server) restoreSecret(_ context.Context, in *restoreSecretInput) (*secretOutput, error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookup(in.SecretID)
	if err != nil {
		return nil, err
	}
	sec.deleted = time.Time{}
	sec.changed = now()
	return &secretOutput{ARN: sec.arn, Name: sec.name}, nil
}
