package secretcache

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// slot caches one (secret ID, staging label) pair: the last good value,
// or the failure that left it without one.
//
// # Ordering
//
// Every fetch takes a sequence number from Cache.seq just before it calls
// the service. An answer is applied only if it is newer than the one the
// slot reflects: a value, or a "gone" verdict (the secret or its label no
// longer exists), from a fetch that started later always wins over one that
// started earlier, whatever order they finish in. So a slow answer given
// before a rotation or a deletion never replaces what a later fetch stored.
//
// # Who writes what
//
//	field          written by                               read by
//	val            settle, under mu                         hits, without a lock
//	freq           hits (up to 3); index.evict (down)       index.evict, under index.mu
//	queue          index, under index.mu                    index, under index.mu
//	everything in the mu block                              under mu
//
// A slot is marked evicted, under index.mu, right after it leaves the index
// (evicted, or the cache closed). Its fetches in flight finish and answer
// their waiters, but store nothing in it, and no background work starts on
// it. A reader that found it just before may still be served its value,
// which was current a moment ago.
type slot struct {
	id, stage string
	key       any                                // its key in index.slots: see index.key
	in        secretsmanager.GetSecretValueInput // what its fetches ask; read-only

	val  atomic.Pointer[value] // last good value; nil until a fetch succeeds or after a gone verdict
	freq atomic.Uint32         // reads since the eviction policy last looked, at most 3

	queue queue // guarded by index.mu

	mu       sync.Mutex
	seq      uint64    // the fetch whose verdict (val, or goneErr) the slot reflects; 0 before any
	goneErr  error     // the "gone" answer that dropped val, if that is the verdict
	flight   *call     // the newest fetch in flight, which misses and background refreshes join
	failSeq  uint64    // the newest transient failure since seq, if any
	failErr  error     // its error
	failures int       // consecutive failures (transient or gone) since the last success
	retryAt  time.Time // no fetch but a forced one before this, after a failure
	evicted  bool      // removed from the index: start no background work
}

func newSlot(key any, id, stage string) *slot {
	s := &slot{key: key, id: id, stage: stage}
	s.in = secretsmanager.GetSecretValueInput{SecretId: &s.id, VersionStage: &s.stage}
	return s
}

// touch records a read for the eviction policy. It writes only while the
// count is below its cap, so that concurrent hits on a hot slot do not keep
// writing its cache line.
func (s *slot) touch() {
	if f := s.freq.Load(); f < 3 {
		s.freq.CompareAndSwap(f, f+1)
	}
}

// outcome is what a fetch means to those waiting on it, after settle.
type outcome struct {
	val *value
	err error
	// transient is set when err is a failure that kept the last good value
	// (if any) rather than a verdict that the secret is gone.
	transient bool
}

// settle applies the answer of the fetch numbered seq, registered as cl, to
// s and returns what
// it means to the callers waiting on it:
//
//   - a value, or a gone verdict, newer than s.seq becomes the slot's state;
//     a value expires after ttl (jittered) and a gone verdict is remembered
//     until the retry delay passes;
//   - a transient failure newer than everything the slot reflects is counted
//     and delays the next fetch; the last good value stays, served as stale;
//   - an older answer changes nothing.
//
// Waiters get the slot's state if it is at least as new as their fetch (a
// newer answer is as good as theirs), else their fetch's transient error.
//
// recovered is the number of failures a success ends; failures and delay,
// for a failure that was applied, its count and the wait before the next
// fetch. Both are for logging. An evicted slot applies nothing: the outcome
// is the fetch's own answer.
func (s *slot) settle(c *Cache, seq uint64, v *value, err error, now time.Time, cl *call) (o outcome, recovered, failures int, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.land(cl)
	if s.evicted {
		// s left the index, maybe replaced already by a slot that fetched
		// something newer: storing here could hand a reader still holding
		// s an answer older than one it read from the replacement. The
		// waiters get the answer itself.
		return outcome{val: v, err: err, transient: err != nil && !isGone(err)}, 0, 0, 0
	}
	failed := false // err is a failure that was applied
	switch {
	case seq <= s.seq:
		// An older answer: the slot already reflects a newer one.
	case err == nil:
		recovered = s.failures
		s.seq, s.goneErr = seq, nil
		s.failures, s.failSeq, s.failErr, s.retryAt = 0, 0, nil, time.Time{}
		v.freshUntil = addSat(nanos(now), jitter(c.cfg.ttl)) // v is this fetch's own, not yet shared
		s.val.Store(v)
	case isGone(err):
		failed = true
		s.seq, s.goneErr = seq, err
		s.failSeq, s.failErr = 0, nil
		s.failures++
		delay = backoff(c.cfg.retryBase, c.cfg.retryMax, s.failures)
		s.retryAt = now.Add(delay)
		s.val.Store(nil)
	case seq > s.failSeq:
		failed = true
		s.failSeq, s.failErr = seq, err
		s.failures++
		delay = backoff(c.cfg.retryBase, c.cfg.retryMax, s.failures)
		s.retryAt = now.Add(delay)
		if old := s.val.Load(); old != nil && old.freshUntil != 0 {
			s.val.Store(old.withFreshUntil(0))
		}
	}
	if failed {
		failures = s.failures
	}
	if s.seq >= seq {
		return outcome{val: s.val.Load(), err: s.goneErr}, recovered, failures, delay
	}
	return outcome{err: err, transient: true}, recovered, failures, delay
}

// remembered returns the failure that left s without a value while its
// retry delay has not passed, so that a missing secret does not cost a call
// per read.
func (s *slot) remembered(now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rememberedLocked(now)
}

func (s *slot) rememberedLocked(now time.Time) error {
	if s.val.Load() != nil || !now.Before(s.retryAt) {
		return nil
	}
	if s.failErr != nil {
		return s.failErr
	}
	return s.goneErr
}

// due reports whether a background refresh of s may start now: it is not
// evicted, no fetch is in flight, and no retry delay is pending.
func (s *slot) due(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.evicted && s.flight == nil && !now.Before(s.retryAt)
}

// evict marks s as removed from the index.
func (s *slot) evict() {
	s.mu.Lock()
	s.evicted = true
	s.mu.Unlock()
}

// isGone reports whether err says that the secret or its staging label no
// longer exists: not found, or scheduled for deletion. Such an answer drops
// the cached value instead of leaving it to be served as stale, so that a
// deleted secret, or an AWSPENDING label a finished rotation removed, stops
// being served.
//
// A secret scheduled for deletion is answered with InvalidRequestException,
// which also covers requests that are merely malformed; only its message
// tells the two apart, so it is matched on the phrase the service uses.
func isGone(err error) bool {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return true
	}
	var ir *types.InvalidRequestException
	return errors.As(err, &ir) && strings.Contains(strings.ToLower(ir.ErrorMessage()), "marked for deletion")
}
