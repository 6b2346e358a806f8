package secretcache

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Bits of slot.state. A hit reads state once: zero means the value can be
// served as is, anything else sends the caller to the slow path.
const (
	stateStale      uint32 = 1 << iota // the TTL or retry delay has passed
	stateRefreshing                    // a background refresh is running
	stateFailing                       // the last fetch failed: the value is served stale
	stateRetired                       // evicted, or the cache is closed
)

// slot caches one (secret ID, staging label) pair.
type slot struct {
	c         *Cache
	id, stage string
	key       string // singleflight key: unique per slot, not per (id, stage)

	val   atomic.Pointer[value] // last good value; nil until a fetch succeeds
	state atomic.Uint32

	mu       sync.Mutex
	failures int       // guarded by mu: consecutive failed fetches
	err      error     // guarded by mu: last failure while val is nil
	errUntil time.Time // guarded by mu: err is returned without a fetch until then
	timer    timer     // guarded by mu: pending expiry or retry
	gen      uint64    // guarded by mu: identifies timer, so a stale one does nothing
	forced   *forced   // guarded by mu: the last fetch that RefreshNow started
}

// forced is one fetch started by RefreshNow; calls within
// CacheConfig.MinRefreshInterval of it share its outcome.
type forced struct {
	at   time.Time
	done chan struct{} // closed when err is set
	err  error
}

// newSlot makes the slot for (id, stage). Its singleflight key is unique to
// it: a slot that replaces an evicted one for the same (id, stage) must not
// join a fetch that will store its result in the evicted one.
func newSlot(c *Cache, id, stage string) *slot {
	seq := strconv.FormatUint(c.slots.Add(1), 36)
	return &slot{c: c, id: id, stage: stage, key: seq + "\x00" + stage + "\x00" + id}
}

// remembered returns the failure of the last fetch while its retry delay has
// not passed, so that a missing secret does not cost a call per call.
func (s *slot) remembered(now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil && now.Before(s.errUntil) {
		return s.err
	}
	return nil
}

// settle records the outcome of a fetch and schedules the next one. It logs
// after releasing mu, so that a slow log handler cannot hold up the callers
// of the same secret.
func (s *slot) settle(v *value, err error) {
	cfg := &s.c.cfg
	if err == nil {
		recovered := s.succeed(v, jitter(cfg.ttl))
		if recovered > 0 && cfg.logger != nil {
			cfg.logger.Info("secretcache: fetch recovered", "secret_id", s.id, "stage", s.stage, "after_failures", recovered)
		}
		return
	}
	failures, delay := s.fail(err)
	if cfg.logger != nil {
		cfg.logger.Warn("secretcache: fetch failed", "secret_id", s.id, "stage", s.stage,
			"failures", failures, "retry_in", delay, "error", err)
	}
}

// succeed stores v, to expire after ttl, and returns how many failures it
// ends.
func (s *slot) succeed(v *value, ttl time.Duration) (recovered int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	recovered = s.failures
	s.val.Store(v)
	s.failures, s.err = 0, nil
	s.arm(ttl)
	s.state.And(^(stateStale | stateFailing))
	return recovered
}

// fail records a failed fetch and when to try again. The last good value is
// kept and served meanwhile (stale-if-error), unless the service said the
// secret or its staging label does not exist: then the value is dropped and
// the error remembered like a failed first load, so that a deleted secret,
// or an AWSPENDING label that a finished rotation removed, is not served
// forever.
func (s *slot) fail(err error) (failures int, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures++
	delay = backoff(s.c.cfg.retryBase, s.c.cfg.retryMax, s.failures)
	if s.val.Load() != nil && !isNotFound(err) {
		s.arm(delay)
		s.state.Or(stateFailing)
		s.state.And(^stateStale)
		return s.failures, delay
	}
	s.val.Store(nil)
	s.disarm()
	s.state.And(^(stateStale | stateFailing))
	s.err, s.errUntil = err, s.c.clock.Now().Add(delay)
	return s.failures, delay
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// arm schedules the value to turn stale after d, replacing any pending
// timer; a retired slot arms none. The caller holds mu.
func (s *slot) arm(d time.Duration) {
	s.disarm()
	if s.state.Load()&stateRetired != 0 {
		return
	}
	gen := s.gen
	s.timer = s.c.clock.AfterFunc(d, func() { s.expire(gen) })
}

func (s *slot) expire(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return // disarmed by a later arm or by retire, too late to stop
	}
	s.timer = nil
	s.state.Or(stateStale)
}

// retire sets stateRetired before taking mu, so that an arm that runs after
// it sees the bit, and disarms the pending timer.
func (s *slot) retire() {
	s.state.Or(stateRetired)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disarm()
}

// disarm stops the pending timer and invalidates it should it be firing
// already. The caller holds mu.
func (s *slot) disarm() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.gen++
}
