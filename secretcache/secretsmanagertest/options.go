package secretsmanagertest

import (
	"fmt"
	"time"
)

// Defaults of the options.
const (
	// DefaultRotationAttempts is how many times a rotation is attempted
	// before it is left pending: once, then retried twice with the same
	// token, as Secrets Manager "retries the entire rotation process
	// several times".
	DefaultRotationAttempts = 3
	// DefaultRotationStepTimeout bounds one invocation of a rotation
	// function, like a Lambda function's timeout.
	DefaultRotationStepTimeout = time.Minute
)

// An Option configures a Server. Options are applied in order by NewServer.
type Option func(*config)

// config is what the options set. It is written before the server starts
// and only read afterwards.
type config struct {
	rotationAttempts    int
	rotationStepTimeout time.Duration
}

func newConfig(opts []Option) config {
	c := config{
		rotationAttempts:    DefaultRotationAttempts,
		rotationStepTimeout: DefaultRotationStepTimeout,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithRotationAttempts sets how many times RotateSecret runs the four steps
// with the same token before leaving the rotation pending (n ≥ 1; the
// default is DefaultRotationAttempts). It panics if n < 1.
func WithRotationAttempts(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("secretsmanagertest: rotation attempts must be at least 1, got %d", n))
	}
	return func(c *config) { c.rotationAttempts = n }
}

// WithRotationStepTimeout bounds each invocation of a rotation function:
// the context it receives ends after d (the default is
// DefaultRotationStepTimeout). It panics if d ≤ 0.
func WithRotationStepTimeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("secretsmanagertest: rotation step timeout must be positive, got %v", d))
	}
	return func(c *config) { c.rotationStepTimeout = d }
}
