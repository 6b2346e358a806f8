package secretsmanagertest

import (
	"context"
	"fmt"
	"runtime/debug"
)

// rotationSteps is the order in which a rotation runs the steps.
var rotationSteps = []string{StepCreateSecret, StepSetSecret, StepTestSecret, StepFinishSecret}

// testSteps is what RotateSecret with RotateImmediately=false runs: the
// service tests the configuration with testSecret alone.
var testSteps = []string{StepTestSecret}

// rotationRun is one rotation started by RotateSecret: its goroutine
// invokes the rotation function step by step, retries the whole rotation
// after a failure, and records the outcome.
//
// Every field but err is written before the goroutine starts and only read
// afterwards; err is written before done is closed and read after.
type rotationRun struct {
	req      RotationRequest // SecretID, ClientRequestToken, RotationToken; Step varies
	steps    []string
	attempts int
	cancel   context.CancelFunc // cancels the run's context, ending the current step
	done     chan struct{}      // closed, under store.mu, once the outcome is recorded
	err      error
}

func (r *rotationRun) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// startRotation starts run on its own goroutine, under the server's life
// context rather than the RotateSecret request's, which ends as soon as the
// request returns. The caller holds store.mu and has checked that the
// server is not closed, which orders the WaitGroup's Add before Close's
// Wait.
func (s *Server) startRotation(sec *secret, run *rotationRun, fn RotationFunc) {
	ctx, cancel := context.WithCancel(s.life)
	run.cancel = cancel
	run.done = make(chan struct{})
	sec.rot.run = run
	s.rotations.Add(1)
	go func() {
		defer s.rotations.Done()
		defer cancel()
		attempts, err := s.rotate(ctx, run, fn)
		s.endRotation(sec, run, attempts, err)
	}()
}

// rotate runs the steps, and runs them all again with the same token after
// a failure, up to run.attempts times, as the service retries a rotation.
// It stops early once ctx is done. It returns how many attempts ran.
func (s *Server) rotate(ctx context.Context, run *rotationRun, fn RotationFunc) (int, error) {
	var failed *RotationError
	attempt := 1
	for ; attempt <= run.attempts; attempt++ {
		failed = nil
		for _, step := range run.steps {
			if ctx.Err() != nil {
				return attempt, run.failure(step, attempt, ErrRotationCancelled)
			}
			req := run.req
			req.Step = step
			if err := s.invoke(ctx, fn, req); err != nil {
				if ctx.Err() != nil {
					err = ErrRotationCancelled
				}
				failed = run.failure(step, attempt, err)
				break
			}
		}
		if failed == nil {
			return attempt, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return failed.Attempts, failed
}

func (r *rotationRun) failure(step string, attempt int, err error) *RotationError {
	return &RotationError{SecretARN: r.req.SecretID, VersionID: r.req.ClientRequestToken, Step: step, Attempts: attempt, Err: err}
}

// invoke runs one step with the step timeout, turning a panic into the
// step's error as Lambda turns an unhandled exception into a failed
// invocation.
func (s *Server) invoke(ctx context.Context, fn RotationFunc, req RotationRequest) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.rotationStepTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("secretsmanagertest: rotation function panicked at step %s: %v\n%s", req.Step, p, debug.Stack())
		}
	}()
	return fn(ctx, req)
}

// endRotation records a rotation's outcome. A rotation whose steps all
// succeeded completed only if AWSCURRENT is now on its version; then the
// next rotation is scheduled from now. A configuration test
// (RotateImmediately=false) removes the version it created, as the service
// does. Whatever happened, a failed rotation leaves the labels as they are:
// the AWSPENDING version stays, and the next RotateSecret is refused until
// it is cleared.
func (s *Server) endRotation(sec *secret, run *rotationRun, attempts int, err error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	token := run.req.ClientRequestToken
	if len(run.steps) == len(testSteps) {
		sec.removeTestVersion(token)
	} else if err == nil {
		if sec.labels[StageCurrent] == token {
			sec.rot.rotated(now())
		} else {
			err = run.failure(StepFinishSecret, attempts, ErrRotationNotFinished)
		}
	}
	run.err = err
	close(run.done)
}

// removeTestVersion deletes the version a configuration test created, unless
// the rotation function gave it another label. The caller holds store.mu.
func (s *secret) removeTestVersion(id string) {
	if s.labels[StagePending] == id {
		delete(s.labels, StagePending)
	}
	if _, ok := s.versions[id]; !ok || len(s.stagesOf(id)) > 0 {
		return
	}
	delete(s.versions, id)
	for i, v := range s.order {
		if v == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}
