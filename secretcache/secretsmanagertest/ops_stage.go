package secretsmanagertest

import "context"

type updateSecretVersionStageInput struct {
	SecretID            string `json:"SecretId"`
	VersionStage        string `json:"VersionStage"`
	MoveToVersionID     string `json:"MoveToVersionId"`
	RemoveFromVersionID string `json:"RemoveFromVersionId"`
}

// updateSecretVersionStage moves or removes one staging label with AWS's
// safety rules: taking a label off a version requires naming that version,
// so two writers racing on a label cannot both win, and AWSCURRENT can be
// moved but never removed.
func (s *Server) updateSecretVersionStage(ctx context.Context, in *updateSecretVersionStageInput) (*secretOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	c.requiredString("versionStage", in.VersionStage, 1, 256)
	if in.MoveToVersionID != "" {
		c.length("moveToVersionId", &in.MoveToVersionID, 32, 64)
	}
	if in.RemoveFromVersionID != "" {
		c.length("removeFromVersionId", &in.RemoveFromVersionID, 32, 64)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if in.MoveToVersionID == "" && in.RemoveFromVersionID == "" {
		return nil, errInvalidParameter("You must specify MoveToVersionId, RemoveFromVersionId, or both.")
	}
	sec, unlock, err := s.store.lockSecret(s.regionOf(ctx), in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := sec.checkStageMove(in.VersionStage, in.MoveToVersionID, in.RemoveFromVersionID); err != nil {
		return nil, err
	}
	if in.MoveToVersionID != "" {
		sec.attach(in.VersionStage, in.MoveToVersionID)
	} else {
		delete(sec.labels, in.VersionStage)
	}
	sec.changed = s.store.changeDate()
	return &secretOutput{ARN: sec.arn, Name: sec.name}, nil
}

// checkStageMove validates a label move before anything changes, so a
// refused call leaves the labels as they were.
func (s *secret) checkStageMove(stage, moveTo, removeFrom string) error {
	holder, held := s.labels[stage]
	if removeFrom != "" {
		if _, err := s.versionByID(removeFrom); err != nil {
			return err
		}
		if !held || holder != removeFrom {
			return errInvalidParameter("The staging label %s isn't attached to version %s.", stage, removeFrom)
		}
	}
	if moveTo == "" {
		if stage == StageCurrent {
			return errInvalidParameter("You can't remove the staging label %s from a version without moving it to another version.", StageCurrent)
		}
		return nil
	}
	if _, err := s.versionByID(moveTo); err != nil {
		return err
	}
	if held && holder != moveTo && removeFrom != holder {
		return errInvalidParameter("The parameter RemoveFromVersionId can't be empty. Staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", stage, holder)
	}
	return nil
}
