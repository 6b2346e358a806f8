package jdbcstyle

import (
	"sync"
	"sync/atomic"
	"time"
)

// ladder is what the Connectors of an account (see account) know about
// the versions of their secret from the database's verdicts: which versions it refused, which fallback stands
// in for a refused AWSCURRENT, and the recovery under way. Connects share
// it, so that a refusal seen by one is known to all: nobody sends refused
// credentials again until the version changes or a backoff passes, and one
// recovery serves every Connect refused with the same version.
//
// Versions are named by VersionId (see versionKey); the ladder holds no
// secret. Its state changes only around refusals, so the common Connect
// reads one atomic flag and takes no lock.
type ladder struct {
	mu      sync.Mutex
	refused map[string]*refusal // by version; guarded by mu
	route   *route              // guarded by mu
	running *recovery           // the recovery under way, or nil; guarded by mu

	// anyRefused is len(refused) > 0, written under mu, read without it.
	anyRefused atomic.Bool
}

// refusal is a version the database refused, the last time it was tried.
type refusal struct {
	gen     uint64    // counts the refusals of the version; a login planned before the last one is stale
	err     error     // the driver's error of the last refusal (it holds no password)
	denied  bool      // the account, not the credentials, was refused: no fallback
	retryAt time.Time // when one login may try the version again
	at      time.Time // the last refusal
	unknown bool      // the last refusal was unknownCredentials
	delay   time.Duration
	probing bool // a login is trying it again
}

// route is a fallback that let a login in while AWSCURRENT, as cached, was
// refused: Connects use it instead until AWSCURRENT changes.
type route struct {
	from    string // the refused AWSCURRENT version it stands in for
	stage   string // AWSPENDING or AWSPREVIOUS
	version string // the version under stage that let the login in
	// checkAt is when AWSCURRENT should be fetched again, in case the
	// rotation finished and the cache does not know yet; every doubles.
	checkAt  time.Time
	every    time.Duration
	checking bool
}

// Backoffs before a refused version is tried again. A password that the
// database refuses counts towards its lockout policy (MariaDB's
// max_password_errors, MySQL's FAILED_LOGIN_ATTEMPTS) at every try, so it is
// retried ever more rarely: with a limit of five and the default gate, the
// fifth refusal comes after 70s, with a limit of ten after half an hour
// (TestRefusalPace). A credential that a proxy does not know yet is retried soon:
// the proxy catches up within seconds and refuses before the database sees
// anything.
const (
	retryRefused      = 10 * time.Second
	retryUnknown      = time.Second
	retryRefusedMax   = 10 * time.Minute
	routeCheckFirst   = time.Second
	routeCheckLongest = 5 * time.Minute
)

// plan is what a Connect does next, decided under the ladder's lock.
type plan struct {
	stage   string // the stage to log in with; "" to wait for rec instead
	version string // the version expected under stage ("" for AWSCURRENT: whatever is cached)
	gen     uint64 // the refusal generation of version when planned (a probe's)
	probe   bool   // a refused version tried again after its backoff
	rec     *recovery
	started bool // this Connect started rec
	check   bool // this Connect should fetch AWSCURRENT again (see route.checkAt)
}

// planFor decides what a Connect does when the cached AWSCURRENT is version
// cur, per steps 2 of the recovery algorithm (see recover.go).
func (l *ladder) planFor(cur string, now time.Time) plan {
	if !l.anyRefused.Load() {
		return plan{stage: stageCurrent}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.refused[cur]
	switch {
	case r == nil:
		return plan{stage: stageCurrent}
	case l.usableRoute(cur):
		p := plan{stage: l.route.stage, version: l.route.version, gen: l.genOf(l.route.version)}
		if !l.route.checking && !now.Before(l.route.checkAt) {
			l.route.checking, p.check = true, true
		}
		return p
	case !r.probing && !now.Before(r.retryAt):
		r.probing = true
		return plan{stage: stageCurrent, gen: r.gen, probe: true}
	case l.running != nil:
		return plan{rec: l.running}
	}
	l.running = newRecovery(cur, now)
	return plan{rec: l.running, started: true}
}

// usableRoute reports whether the route stands in for cur and its own
// version has not been refused since. Called with mu held.
func (l *ladder) usableRoute(cur string) bool {
	return l.route != nil && l.route.from == cur && l.refused[l.route.version] == nil
}

// genOf returns the refusal generation of version, 0 if never refused.
// Called with mu held.
func (l *ladder) genOf(version string) uint64 {
	if r := l.refused[version]; r != nil {
		return r.gen
	}
	return 0
}

// generation returns the refusal generation of version.
func (l *ladder) generation(version string) uint64 {
	if !l.anyRefused.Load() {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.genOf(version)
}

// staleSince reports whether version was refused after generation gen was
// planned: a login carrying it is abandoned at the gate.
func (l *ladder) staleSince(version string, gen uint64) bool {
	if !l.anyRefused.Load() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.genOf(version) > gen
}

// isRefused reports whether version is refused and not due for a retry.
func (l *ladder) isRefused(version string, now time.Time) bool {
	if !l.anyRefused.Load() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.refused[version]
	return r != nil && now.Before(r.retryAt)
}

// fallbackRefused reports whether a recovery should skip version as a
// fallback (AWSPENDING, AWSPREVIOUS) because the database refused it. A
// recovery tries a fallback only while AWSCURRENT is refused too, and
// AWSCURRENT's probes already cost one refusal per backoff: sending a
// stale fallback again at every backoff as well would double the pace at
// which a lockout policy counts. So a refused fallback waits for
// retryRefusedMax since its refusal, not its own backoff; enough, still,
// for a rotation that stalled after setSecret gave the database a version
// refused before to be let in without finishSecret. A refusal by something
// that does not know the credentials yet (unknownCredentials) waits only
// for its backoff, as for AWSCURRENT.
func (l *ladder) fallbackRefused(version string, now time.Time) bool {
	if !l.anyRefused.Load() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.refused[version]
	if r == nil {
		return false
	}
	if r.unknown {
		return now.Before(r.retryAt)
	}
	return now.Before(r.at.Add(retryRefusedMax))
}

// refuse records that the database refused version, with err of kind f.
func (l *ladder) refuse(version string, f failure, err error, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.refused[version]
	if r == nil {
		if l.refused == nil {
			l.refused = map[string]*refusal{}
		}
		l.prune(now)
		r = &refusal{}
		l.refused[version] = r
		l.anyRefused.Store(true)
		r.delay = retryRefused
		if f == unknownCredentials {
			r.delay = retryUnknown
		}
	} else if r.probing || !now.Before(r.retryAt) {
		r.delay = min(2*r.delay, retryRefusedMax)
	}
	r.gen++
	r.err, r.denied, r.unknown, r.probing = err, f == denied, f == unknownCredentials, false
	r.at, r.retryAt = now, now.Add(r.delay)
}

// maxRefused is how many refused versions the ladder remembers before it
// forgets those due for a retry: every single-user rotation leaves one
// behind, which is never tried again once AWSCURRENT moved on.
const maxRefused = 8

// prune forgets refused versions due for a retry, once there are many.
// Forgetting one only resets its backoff. Called with mu held.
func (l *ladder) prune(now time.Time) {
	if len(l.refused) < maxRefused {
		return
	}
	for v, r := range l.refused {
		if !r.probing && !now.Before(r.retryAt) {
			delete(l.refused, v)
		}
	}
}

// accept records that version let a login in, which was planned when its
// refusal generation was gen: a refusal of it is over, unless it was
// recorded after the login was planned. Logins in flight together can get
// their verdicts recorded in any order: one whose password the database
// checked just before a rotation changed it may be accepted after another,
// checked just after, was refused. Forgetting that refusal would let every
// Connect send the old password again.
func (l *ladder) accept(version string, gen uint64) {
	if !l.anyRefused.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.refused[version]; ok && r.gen <= gen {
		delete(l.refused, version)
		l.anyRefused.Store(len(l.refused) > 0)
	}
}

// abandonProbe gives up a probe that made no login, so that another
// Connect may make it.
func (l *ladder) abandonProbe(version string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.refused[version]; r != nil {
		r.probing = false
	}
}

// refusalOf returns the error and kind of version's last refusal.
func (l *ladder) refusalOf(version string) (err error, denied bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.refused[version]; r != nil {
		return r.err, r.denied
	}
	return nil, false
}

// setRoute makes stage's version stand in for the refused AWSCURRENT from.
func (l *ladder) setRoute(from, stage, version string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.route = &route{from: from, stage: stage, version: version, checkAt: now.Add(routeCheckFirst), every: routeCheckFirst}
}

// dropRoute forgets the route if the version under its stage is no longer
// the one that let a login in (the stage moved to another version).
func (l *ladder) dropRoute(from, version string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.route != nil && l.route.from == from && l.route.version == version {
		l.route = nil
	}
}

// checked records a fetch of AWSCURRENT made for the route, and schedules
// the next one later.
func (l *ladder) checked(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.route; r != nil {
		r.every = min(2*r.every, routeCheckLongest)
		r.checkAt, r.checking = now.Add(r.every), false
	}
}

// uncheck gives up a fetch of AWSCURRENT planned for the route that did
// not run (its Connector closed), so that another Connect may make it.
func (l *ladder) uncheck() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.route != nil {
		l.route.checking = false
	}
}

// finish records the end of rec.
func (l *ladder) finish(rec *recovery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running == rec {
		l.running = nil
	}
}

// reset forgets everything, for Close.
func (l *ladder) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refused, l.route = nil, nil
	l.anyRefused.Store(false)
}
