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
// A slot has at most one fetch at the service at a time: misses and
// background refreshes join the one in flight, and a forced fetch waits for
// it to land (see beginForced), so its answers land in the order the
// service gave them. Every fetch also takes a sequence number from
// Cache.seq just before it calls the service, and an answer is applied
// only if it is newer than the one the slot reflects: a value, or a "gone"
// verdict (the secret or its label no longer exists). That orders answers
// that reach a slot otherwise, a Prefetch batch's, say, so a slow answer
// given before a rotation or a deletion never replaces what a later fetch
// stored.
//
// # Who writes what
//
//	field          written by                               read by
//	val            settle, under mu                         hits, without a lock
//	freq           hits (up to 3); index.evictOne (down)    index.evictOne, under index.mu
//	next           index, under index.mu                    index, under index.mu
//	everything in the mu block                              under mu
//
// A slot is marked evicted, under index.mu, right after it leaves the index
// (evicted, or the cache closed). Its fetches in flight finish and answer
// their waiters, but store nothing in it, and no fetch is registered in it
// any more: a caller that finds it evicted uses the key's slot in the index
// instead (see errEvicted). A reader that found it just before may still be
// served its value, which was current a moment ago.
//
// # Across eviction
//
// A slot evicted with a fetch in flight is the key's predecessor (prev) of
// the slot that replaces it, whose fetches call the service only once that
// fetch, and the one queued after it, have landed. So a key never has two
// fetches at the service at once, even across eviction: otherwise a
// Refresh whose fetch lands in the evicted slot could return a version
// that a read after it, served by the replacement's earlier-read answer,
// goes back from.
type slot struct {
	id, stage string
	in        secretsmanager.GetSecretValueInput // what its fetches ask; read-only

	val  atomic.Pointer[value] // last good value; nil until a fetch succeeds or after a gone verdict
	freq atomic.Uint32         // reads since the eviction policy last looked, at most 3
	next *slot                 // guarded by index.mu: the next slot in its queue
	prev atomic.Pointer[slot]  // set before s is published; cleared once its fetches have landed (see drainPrev)

	mu      sync.Mutex
	seq     uint64   // the fetch whose verdict (val, or goneErr) the slot reflects; 0 before any
	goneErr error    // the "gone" answer that dropped val, if that is the verdict
	flight  *call    // the fetch in flight, which misses and background refreshes join
	queued  *call    // a forced fetch waiting for flight to land
	fail    *failure // failures since the last success; nil while there are none
	// evicted: removed from the index; store nothing, start no background
	// work. Set with mu held, so that it is stable under mu; atomic so that
	// a fetch that landed can ask without taking mu (see Cache.landed).
	evicted atomic.Bool
}

// failure records the failures of a slot since its last success. It lives
// apart from the slot so that a healthy slot does not carry it.
type failure struct {
	count   int       // consecutive failures, transient or gone
	retryAt time.Time // no fetch but a forced one before this
	seq     uint64    // the newest transient failure newer than slot.seq, if any
	err     error     // its error
}

func newSlot(id, stage string) *slot {
	s := &slot{id: id, stage: stage}
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
// s and completes cl with what it means to the callers waiting on it:
//
//   - a value, or a gone verdict, newer than s.seq becomes the slot's state;
//     a value expires after the TTL (jittered) counted from start, when the
//     fetch started, and a gone verdict is remembered until the retry delay
//     passes;
//   - a transient failure newer than everything the slot reflects is counted
//     and delays the next fetch; the last good value stays, served as stale;
//   - an older answer changes nothing.
//
// Waiters get the slot's state if it is at least as new as their fetch (a
// newer answer is as good as theirs), else their fetch's transient error.
// An evicted slot applies nothing: the outcome is the fetch's own answer.
// cl is completed under mu, in the same critical section that unregisters
// it, so that no caller joins it after it completed (see join).
//
// It returns, for logging, the failures a success ends, or for a failure
// that was applied its count and the wait before the next fetch; and the
// forced fetch that waited for this one, for the caller to launch.
func (s *slot) settle(c *Cache, seq uint64, v *value, err error, start time.Time, cl *call) (recovered, failures int, delay time.Duration, next *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next = s.land(cl)
	if s.evicted.Load() {
		// s left the index, maybe replaced already by a slot that fetched
		// something newer: storing here could hand a reader still holding
		// s an answer older than one it read from the replacement.
		cl.complete(outcome{val: v, err: err, transient: err != nil && !isGone(err)})
		return 0, 0, 0, next
	}
	failed := false // err is a failure that was applied
	switch {
	case seq <= s.seq:
		// An older answer: the slot already reflects a newer one.
	case err == nil:
		if s.fail != nil {
			recovered, s.fail = s.fail.count, nil
		}
		s.seq, s.goneErr = seq, nil
		v.freshUntil = addSat(nanos(start), jitter(c.cfg.ttl)) // v is this fetch's own, not yet shared
		s.val.Store(v)
	case isGone(err):
		failed = true
		s.seq, s.goneErr = seq, err
		f := s.failed(c)
		f.seq, f.err = 0, nil
		s.val.Store(nil)
	case s.fail == nil || seq > s.fail.seq:
		failed = true
		f := s.failed(c)
		f.seq, f.err = seq, err
		if old := s.val.Load(); old != nil && old.freshUntil != 0 {
			s.val.Store(old.withFreshUntil(0))
		}
	}
	if failed {
		failures, delay = s.fail.count, s.fail.retryAt.Sub(c.clock.Now())
	}
	if s.seq >= seq {
		cl.complete(outcome{val: s.val.Load(), err: s.goneErr})
	} else {
		cl.complete(outcome{err: err, transient: true})
	}
	return recovered, failures, delay, next
}

// failed counts one more failure and sets the delay before the next fetch.
// The caller holds mu.
func (s *slot) failed(c *Cache) *failure {
	if s.fail == nil {
		s.fail = &failure{}
	}
	s.fail.count++
	s.fail.retryAt = c.clock.Now().Add(backoff(c.cfg.retryBase, c.cfg.retryMax, s.fail.count))
	return s.fail
}

// remembered returns the failure that left s without a value while its
// retry delay has not passed, so that a missing secret does not cost a call
// per read. It reads the clock only when there was a failure. The caller
// holds mu.
func (s *slot) remembered(c *Cache) error {
	if s.val.Load() != nil || !s.retryPending(c) {
		return nil
	}
	if s.fail.err != nil {
		return s.fail.err
	}
	return s.goneErr
}

// retryPending reports whether a failed fetch's retry delay has not passed.
// The caller holds mu.
func (s *slot) retryPending(c *Cache) bool {
	return s.fail != nil && c.clock.Now().Before(s.fail.retryAt)
}

// evict marks s as removed from the index, and returns the slot whose
// fetches the key's next slot must wait for: s if it has a fetch
// registered, else its own predecessor, if any. No fetch is registered in
// s after this.
func (s *slot) evict() (pending *slot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evicted.Store(true)
	if s.flight != nil {
		return s
	}
	return s.prev.Load()
}

// busy reports whether a fetch of s is registered.
func (s *slot) busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flight != nil
}

// drain waits until no fetch of s, an evicted slot, is registered. No
// fetch is registered in an evicted slot, so it ends once the fetch in
// flight and the one queued after it have landed.
func (s *slot) drain() {
	for {
		s.mu.Lock()
		cl := s.flight
		if cl != nil && cl.done == nil {
			cl.done = make(chan struct{})
		}
		s.mu.Unlock()
		if cl == nil {
			return
		}
		<-cl.done
	}
}

// drainPrev waits for the fetches of the slot that s replaced, if any, to
// land; a fetch of s calls it before it calls the service.
func (s *slot) drainPrev() {
	if p := s.prev.Load(); p != nil {
		p.drain()
		s.prev.Store(nil)
	}
}

// errEvicted tells a caller that wanted to register a fetch in a slot that
// the slot was evicted: it looks the key up again.
var errEvicted = errors.New("secretcache: slot evicted")

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
	var vnf *VersionNotFoundError
	if errors.As(err, &nf) || errors.As(err, &vnf) {
		return true
	}
	var ir *types.InvalidRequestException
	return errors.As(err, &ir) && strings.Contains(strings.ToLower(ir.ErrorMessage()), "marked for deletion")
}
