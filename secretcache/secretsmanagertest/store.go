package secretsmanagertest

import (
	"strings"
	"sync"
	"time"
)

// Region and AccountID are the defaults of WithRegion and WithAccountID.
const (
	// Region is the AWS region the server is in unless WithRegion says
	// otherwise, and the one Client configures.
	Region = "us-east-1"
	// AccountID is the AWS account that owns every secret of the server
	// unless WithAccountID says otherwise.
	AccountID = "123456789012"
)

// store holds all secrets of all regions behind one mutex: operations are
// short, and one lock makes every operation atomic the way a single API
// call is, replication across regions included.
type store struct {
	mu      sync.Mutex
	account string                        // written before the server starts
	secrets map[string]map[string]*secret // region -> name -> secret; guarded by mu
	created uint64                        // secrets ever created; guarded by mu
	changed time.Time                     // the last change date handed out; guarded by mu
	lambdas map[string]RotationFunc       // by Lambda function ARN (SetRotationLambda); guarded by mu
}

func newStore(account string) *store {
	return &store{account: account, secrets: make(map[string]map[string]*secret), lambdas: make(map[string]RotationFunc)}
}

// in returns the secrets of region. The caller holds st.mu.
func (st *store) in(region string) map[string]*secret {
	m, ok := st.secrets[region]
	if !ok {
		m = make(map[string]*secret)
		st.secrets[region] = m
	}
	return m
}

// now is the server's clock. Dates are truncated to milliseconds because
// that is all the wire carries; a test comparing a date it read back with
// one it kept would otherwise never match.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// changeDate returns the date of a change made now: never earlier than, nor
// equal to, the last one handed out, so that LastChangedDate grows with
// every change even within one millisecond. The caller holds st.mu.
func (st *store) changeDate() time.Time {
	t := now()
	if !t.After(st.changed) {
		t = st.changed.Add(time.Millisecond)
	}
	st.changed = t
	return t
}

// lookup finds a secret of region by name, full ARN or partial ARN (the
// full ARN without its "-xxxxxx" suffix). An ARN of another region or
// account names no secret here; a name that breaks AWS's naming rule is a
// ValidationException. The caller holds st.mu.
func (st *store) lookup(region, id string) (*secret, error) {
	secrets := st.secrets[region]
	if !strings.HasPrefix(id, "arn:") {
		if err := checkName(id); err != nil {
			return nil, err
		}
		if sec, ok := secrets[id]; ok {
			return sec, nil
		}
		return nil, errSecretNotFound()
	}
	arnRegion, account, rest, ok := parseSecretARN(id)
	if !ok || arnRegion != region || account != st.account {
		return nil, errSecretNotFound()
	}
	if sec, ok := secrets[rest]; ok {
		return sec, nil
	}
	if i := len(rest) - 7; i > 0 && rest[i] == '-' {
		if sec, ok := secrets[rest[:i]]; ok && sec.arn == id {
			return sec, nil
		}
	}
	return nil, errSecretNotFound()
}

// lookupLive is lookup for operations that a secret scheduled for deletion
// refuses. The caller holds st.mu.
func (st *store) lookupLive(region, id string) (*secret, error) {
	sec, err := st.lookup(region, id)
	if err != nil {
		return nil, err
	}
	if !sec.source().deleted.IsZero() {
		return nil, errMarkedDeleted()
	}
	return sec, nil
}

// lookupPrimary is lookupLive for operations that change a secret, which a
// replica refuses: it changes only with its primary. The caller holds
// st.mu.
func (st *store) lookupPrimary(region, id string) (*secret, error) {
	sec, err := st.lookupLive(region, id)
	if err != nil {
		return nil, err
	}
	if sec.primary != nil {
		return nil, errReplica()
	}
	return sec, nil
}

// finder is one of the lookups above, as a method expression:
// (*store).lookup, (*store).lookupLive or (*store).lookupPrimary.
type finder func(st *store, region, id string) (*secret, error)

// lockSecret takes st.mu and finds the secret of region that id names
// with find: the opening of every operation on one secret. On success the
// caller holds st.mu until it calls unlock, normally deferred; on failure
// the lock is released already, so the caller only returns the error.
func (st *store) lockSecret(region, id string, find finder) (sec *secret, unlock func(), err error) {
	st.mu.Lock()
	sec, err = find(st, region, id)
	if err != nil {
		st.mu.Unlock()
		return nil, nil, err
	}
	return sec, st.mu.Unlock, nil
}

// newSecret registers an empty secret in region. The caller holds st.mu
// and has checked that the name is free there.
func (st *store) newSecret(region, name string) *secret {
	t := st.changeDate()
	st.created++
	sec := &secret{
		name:     name,
		region:   region,
		arn:      secretARNPrefix(region, st.account) + name + "-" + arnSuffix(),
		seq:      st.created,
		created:  t,
		changed:  t,
		versions: make(map[string]*version),
		labels:   make(map[string]string),
	}
	st.in(region)[name] = sec
	return sec
}

// remove forgets a secret, stopping its rotation if one runs. The caller
// holds st.mu.
func (st *store) remove(sec *secret) {
	delete(st.secrets[sec.region], sec.name)
	if r := sec.rot.run; r != nil && !r.ended() {
		r.cancel()
	}
}
