package secretcache

import (
	"errors"
	"fmt"
	"io"
)

// ErrClosed is returned by every call made on a Cache after Close.
var ErrClosed = errors.New("secretcache: cache is closed")

// VersionNotFoundError reports that a secret exists but has no version with
// the requested staging label (for example AWSPENDING outside a rotation).
// The Secrets Manager error stays reachable through Unwrap, so
// errors.As(err, new(*types.ResourceNotFoundException)) still holds.
type VersionNotFoundError struct {
	// Message describes the failure; it never holds a secret value.
	Message string
	err     error
}

// Error returns e.Message.
func (e *VersionNotFoundError) Error() string { return e.Message }

// Unwrap returns the Secrets Manager error behind e, if any.
func (e *VersionNotFoundError) Unwrap() error { return e.err }

// InvalidConfigError reports a CacheConfig that New cannot accept, such as a
// negative size or TTL.
type InvalidConfigError struct {
	// Message names the offending field and why it is rejected.
	Message string
}

// Error returns e.Message.
func (e *InvalidConfigError) Error() string { return e.Message }

// InvalidOperationError reports a call that cannot succeed whatever the
// service says: an empty secret ID, GetSecretString on a version that holds
// only SecretBinary, or GetSecretBinary on one that holds only SecretString.
type InvalidOperationError struct {
	// Message describes the failure; it never holds a secret value.
	Message string
}

// Error returns e.Message.
func (e *InvalidOperationError) Error() string { return e.Message }

// HookError reports that the configured CacheHook failed or returned
// something other than what the cache gave it (see CacheHook).
type HookError struct {
	// SecretID is the secret whose cached value the hook was handling.
	SecretID string
	// Op is "Put" or "Get".
	Op  string
	err error
}

// Error names the secret, the hook method and the kind of failure. It does
// not repeat the text of the hook's own error, which is the hook's to
// compose and might quote the secret it was handling; that error stays
// reachable with errors.Is and errors.As (Unwrap), for example
// errors.Is(err, hook.ErrTampered).
func (e *HookError) Error() string {
	msg := fmt.Sprintf("secretcache: hook %s for secret %q failed", e.Op, e.SecretID)
	var pe *PanicError
	switch {
	case e.err == nil:
		return msg
	case errors.As(e.err, &pe):
		return msg + ": " + pe.Error()
	}
	return fmt.Sprintf("%s: the hook returned an error (%T)", msg, e.err)
}

// Unwrap returns the error the hook returned, if any.
func (e *HookError) Unwrap() error { return e.err }

// Format writes Error for every verb, so that %#v, which would print the
// fields, shows no more than the message.
func (e *HookError) Format(f fmt.State, verb rune) { io.WriteString(f, e.Error()) }

func errEmptyID() error {
	return &InvalidOperationError{Message: "secretcache: secret ID is empty"}
}

// errNoField reports a string getter used on a binary secret, or the reverse.
func errNoField(id, field string) error {
	return &InvalidOperationError{Message: fmt.Sprintf("secretcache: secret %q holds no %s", id, field)}
}
