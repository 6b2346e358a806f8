package secretsmanagertest

import (
	"strings"
	"sync"
	"time"
)

// Region and AccountID are the ones every ARN of this server carries.
const (
	// Region is the AWS region the server pretends to be in and the one
	// Client configures.
	Region = "us-east-1"
	// AccountID is the AWS account that owns every secret of the server.
	AccountID = "123456789012"

	arnPrefix = "arn:aws:secretsmanager:" + Region + ":" + AccountID + ":secret:"
)

// store holds all secrets behind one mutex: operations are short, and one
// lock makes every operation atomic the way a single API call is.
type store struct {
	mu      sync.Mutex
	secrets map[string]*secret // by name; guarded by mu
}

func newStore() *store {
	return &store{secrets: make(map[string]*secret)}
}

// now is the server's clock. Dates are truncated to milliseconds because
// that is all the wire carries; a test comparing a date it read back with
// one it kept would otherwise never match.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// lookup finds a secret by name, full ARN or partial ARN (the full ARN
// without its "-xxxxxx" suffix). The caller holds st.mu.
func (st *store) lookup(id string) (*secret, error) {
	rest, isARN := strings.CutPrefix(id, arnPrefix)
	if !isARN {
		if sec, ok := st.secrets[id]; ok {
			return sec, nil
		}
		return nil, errSecretNotFound()
	}
	if sec, ok := st.secrets[rest]; ok {
		return sec, nil
	}
	if i := len(rest) - 7; i > 0 && rest[i] == '-' {
		if sec, ok := st.secrets[rest[:i]]; ok && sec.arn == id {
			return sec, nil
		}
	}
	return nil, errSecretNotFound()
}

// lookupLive is lookup for operations that a secret scheduled for deletion
// refuses. The caller holds st.mu.
func (st *store) lookupLive(id string) (*secret, error) {
	sec, err := st.lookup(id)
	if err != nil {
		return nil, err
	}
	if !sec.deleted.IsZero() {
		return nil, errMarkedDeleted()
	}
	return sec, nil
}

// newSecret registers an empty secret. The caller holds st.mu and has
// checked that the name is free.
func (st *store) newSecret(name, description string, tags map[string]string) *secret {
	t := now()
	sec := &secret{
		name:        name,
		arn:         arnPrefix + name + "-" + arnSuffix(),
		description: description,
		tags:        tags,
		created:     t,
		changed:     t,
		versions:    make(map[string]*version),
		labels:      make(map[string]string),
	}
	st.secrets[name] = sec
	return sec
}
