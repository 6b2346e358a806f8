package rotation

import "context"

// Strategy is what a rotation does that depends on the kind of secret: how
// a new value is made, what the confused-deputy checks compare, how the
// protected resource is made to accept the new value, and how it is tested.
// Handler runs the steps around it: the checks every step starts with, the
// idempotence of createSecret and finishSecret, the Secrets Manager calls,
// the logs and the errors. *Database is the strategy for MySQL, MariaDB
// and PostgreSQL users; a team writes its own for other secrets (an API
// key, see the package example).
//
// Every method must be idempotent: Secrets Manager retries a failed step,
// and a step may be run again after it succeeded. A method that fails must
// leave the credentials of AWSCURRENT working.
//
// Errors a method returns reach the caller inside an *Error (of kind
// Failed, unless the method returned an *Error itself), with every value
// read through the Invocation, its "password" key and every string given to
// Invocation.Sensitive removed from the message.
type Strategy interface {
	// CreateSecret returns the value of the new version, usually the
	// current one (Invocation.Current) with a new password
	// (Invocation.RandomPassword). It must not change the protected
	// resource. The handler calls it only when the event's version has no
	// value yet, and puts the value under that version, labelled
	// AWSPENDING.
	CreateSecret(ctx context.Context, r *Invocation) (string, error)
	// CheckPending compares the AWSPENDING value with the AWSCURRENT one and
	// refuses one the function must not act on, such as credentials of
	// another host or user. It runs at the start of setSecret, before
	// SetSecret, and must not touch the protected resource.
	CheckPending(ctx context.Context, r *Invocation) error
	// SetSecret makes the protected resource accept the AWSPENDING value.
	// When it already does, SetSecret changes nothing.
	SetSecret(ctx context.Context, r *Invocation) error
	// TestSecret checks that the AWSPENDING value works, changing nothing.
	TestSecret(ctx context.Context, r *Invocation) error
}
