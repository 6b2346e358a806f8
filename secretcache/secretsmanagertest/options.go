package secretsmanagertest

import (
	"fmt"
	"regexp"
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
	region              string
	account             string
	seed                []SeedSecret
	remote              bool
	rotationAttempts    int
	rotationStepTimeout time.Duration
}

func newConfig(opts []Option) config {
	c := config{
		region:              Region,
		account:             AccountID,
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

// The model's pattern for regions, and the shape of an account ID.
var (
	regionPattern  = regexp.MustCompile(`^([a-z]+-)+\d+$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
)

// WithRegion sets the server's own region (the default is Region): the
// region of Config and Client, of the Go-side helpers, and of requests
// that carry no SigV4 signature. A signed request is served in the region
// it is signed for, so one server holds the secrets of every region. It
// panics on a string that is not a region name.
func WithRegion(region string) Option {
	if !regionPattern.MatchString(region) {
		panic(fmt.Sprintf("secretsmanagertest: %q is not a region name", region))
	}
	return func(c *config) { c.region = region }
}

// WithAccountID sets the account every ARN carries (the default is
// AccountID). It panics on anything but 12 digits.
func WithAccountID(account string) Option {
	if !accountPattern.MatchString(account) {
		panic(fmt.Sprintf("secretsmanagertest: account ID %q is not 12 digits", account))
	}
	return func(c *config) { c.account = account }
}

// WithSeed creates secrets when the server starts, and again after every
// Reset. NewServer panics, and NewServerAt fails, if a seed is refused
// (see SeedSecret).
func WithSeed(secrets ...SeedSecret) Option {
	return func(c *config) { c.seed = append(c.seed, secrets...) }
}

// WithRemoteAccess lets NewServerAt listen on an address that is not a
// loopback one. Without it, the server only ever accepts connections from
// the machine it runs on: it has no authentication, and anyone who can
// reach it can read every secret.
func WithRemoteAccess() Option {
	return func(c *config) { c.remote = true }
}
