package secretsmanagertest

import (
	"bytes"
	"sort"
	"time"
)

// Staging labels that Secrets Manager gives meaning to.
const (
	// StageCurrent labels the version GetSecretValue returns by default.
	// Exactly one version of a secret with any value carries it.
	StageCurrent = "AWSCURRENT"
	// StagePrevious labels the version that held StageCurrent before the
	// last move of StageCurrent; Secrets Manager moves it automatically.
	StagePrevious = "AWSPREVIOUS"
	// StagePending labels the version a rotation is putting in place.
	StagePending = "AWSPENDING"
)

// value is a secret's payload: a string or a binary, never both.
type value struct {
	str *string
	bin []byte
}

func (v value) isEmpty() bool { return v.str == nil && v.bin == nil }

func (v value) equal(o value) bool {
	if (v.str == nil) != (o.str == nil) || (v.bin == nil) != (o.bin == nil) {
		return false
	}
	return (v.str == nil || *v.str == *o.str) && bytes.Equal(v.bin, o.bin)
}

// version is one immutable value of a secret. Its staging labels live on
// the secret, because the rules about them span versions. A version whose
// value is empty is the placeholder RotateSecret creates before the first
// step; the rotation function's PutSecretValue with the same ID gives it
// its value, once.
type version struct {
	id       string
	val      value
	created  time.Time
	accessed time.Time
}

// secret is the state of one secret in one region. Every field is guarded
// by store.mu.
//
// A replica (primary != nil) holds only what is its own: its name, region,
// ARN, creation order and last access. Everything else is read from its
// primary through source(), which is how a replica stays in sync, and no
// operation writes through a replica.
type secret struct {
	name   string
	region string
	arn    string
	seq    uint64 // creation order, which breaks ties between equal creation dates

	description   string
	kmsKeyID      string // "" for the AWS managed key aws/secretsmanager
	typ           string // Type, the partner of a managed external secret
	owningService string
	tags          []tag   // in the order first added; nil until tags are first set
	policy        *string // the resource policy, stored as given

	created  time.Time
	changed  time.Time
	accessed time.Time
	deleted  time.Time // non-zero while scheduled for deletion

	versions map[string]*version
	order    []string          // version IDs, oldest first
	labels   map[string]string // staging label -> version ID

	rot rotationState

	primary  *secret    // for a replica, the secret it mirrors
	replicas []*replica // for a primary, its replicas, in the order added
}

// source returns the secret whose state s shows: its primary for a
// replica, s itself otherwise.
func (s *secret) source() *secret {
	if s.primary != nil {
		return s.primary
	}
	return s
}

// stagesOf returns the labels on a version, sorted so responses are stable.
func (s *secret) stagesOf(versionID string) []string {
	var stages []string
	for label, id := range s.labels {
		if id == versionID {
			stages = append(stages, label)
		}
	}
	sort.Strings(stages)
	return stages
}

func (s *secret) versionByStage(stage string) (*version, error) {
	id, ok := s.labels[stage]
	if !ok {
		return nil, errStageNotFound(stage)
	}
	return s.versions[id], nil
}

func (s *secret) versionByID(id string) (*version, error) {
	v, ok := s.versions[id]
	if !ok {
		return nil, errVersionNotFound(id)
	}
	return v, nil
}

// attach puts label on versionID, taking it off whichever version had it.
// Moving AWSCURRENT hands AWSPREVIOUS to the version that loses it, which
// is how Secrets Manager keeps the last good value reachable.
func (s *secret) attach(label, versionID string) {
	old, had := s.labels[label]
	if had && old == versionID {
		return
	}
	s.labels[label] = versionID
	if label == StageCurrent && had {
		s.labels[StagePrevious] = old
	}
}

// addVersion stores a new version and gives it stages (AWSCURRENT when
// none are given, as PutSecretValue does).
func (s *secret) addVersion(v *version, stages []string) {
	s.versions[v.id] = v
	s.order = append(s.order, v.id)
	s.stage(v.id, stages)
}

// stage attaches stages to a version, AWSCURRENT when none are given.
func (s *secret) stage(id string, stages []string) {
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	// AWSCURRENT goes first so that an AWSPREVIOUS the caller asked for
	// wins over the one moved automatically.
	for _, st := range stages {
		if st == StageCurrent {
			s.attach(st, id)
		}
	}
	for _, st := range stages {
		if st != StageCurrent {
			s.attach(st, id)
		}
	}
}

// hasValue reports whether any version holds a value.
func (s *secret) hasValue() bool {
	for _, v := range s.versions {
		if !v.val.isEmpty() {
			return true
		}
	}
	return false
}

// pick finds the version GetSecretValue means: by ID, by stage, or by both
// when they agree; AWSCURRENT when neither is given. A version without a
// value (a rotation's placeholder) is not found, which is what AWS's
// rotation templates expect in createSecret.
func (s *secret) pick(versionID, stage string) (*version, error) {
	if versionID == "" {
		if stage == "" {
			stage = StageCurrent
		}
		v, err := s.versionByStage(stage)
		if err == nil && v.val.isEmpty() {
			return nil, errStageNotFound(stage)
		}
		return v, err
	}
	v, err := s.versionByID(versionID)
	if err != nil {
		return nil, err
	}
	if stage != "" && s.labels[stage] != versionID {
		return nil, errInvalidRequest("You provided a VersionStage that is not associated to the provided VersionId.")
	}
	if v.val.isEmpty() {
		if stage != "" {
			return nil, errStageNotFound(stage)
		}
		return nil, errVersionNotFound(versionID)
	}
	return v, nil
}

// touch records a read of v through s the way AWS does: to the day only.
func (s *secret) touch(v *version) {
	day := now().Truncate(24 * time.Hour)
	s.accessed, v.accessed = day, day
}

// latest returns the later of two dates.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
