package secretcache

import (
	"fmt"
	"io"
	"runtime"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// CacheHook lets a program transform what the cache keeps for each secret
// version, for example to encrypt it in memory (package hook ships one).
//
// Put receives a *secretsmanager.GetSecretValueOutput holding the fetched
// version: ARN, Name, VersionId, VersionStages, CreatedDate and exactly one
// of SecretString or SecretBinary. It is a fresh copy that the cache does not
// keep: Put may keep, modify or discard it. Whatever Put returns is what the
// cache stores for that version.
//
// Get receives what Put returned and must return a
// *secretsmanager.GetSecretValueOutput equivalent to the one Put received.
// The cache hands its SecretString or SecretBinary to the caller and does not
// keep the result.
//
// Either method may return an error value instead; the cache then reports a
// *HookError wrapping it to the caller (from Put, the fetch fails; from Get,
// that call fails) instead of panicking or returning a wrong value. A panic
// in either method is recovered and reported the same way, as a *HookError
// whose message does not repeat the panic value (it may hold the secret);
// errors.As reaches it through a *PanicError.
//
// Put is called once per fetched version and Get once per cache hit, possibly
// from many goroutines at once: implementations must be safe for concurrent
// use. Put may run on a goroutine of the cache's own (a background refresh),
// never while the cache holds a lock.
type CacheHook interface {
	Put(data interface{}) interface{}
	Get(data interface{}) interface{}
}

// FreshBinaryHook is an optional interface of a CacheHook. A hook whose
// FreshBinary returns true promises that the SecretBinary of every value its
// Get returns is a slice made for that call alone, which the hook neither
// keeps nor references. GetSecretBinary and its twins then hand that slice
// to their caller instead of a copy, so that reading a binary secret leaves
// no second, unwiped copy of it in memory. hook.AESGCM implements it.
type FreshBinaryHook interface {
	FreshBinary() bool
}

// hookPut runs Hook.Put on out, turning an error result or a panic into a
// *HookError.
func (c *Cache) hookPut(id string, out *secretsmanager.GetSecretValueOutput) (kept any, err error) {
	defer func() {
		if p := recover(); p != nil {
			kept, err = nil, &HookError{SecretID: id, Op: "Put", err: newPanicError(p)}
		}
	}()
	kept = c.cfg.hook.Put(out)
	if e, ok := kept.(error); ok {
		return nil, &HookError{SecretID: id, Op: "Put", err: e}
	}
	return kept, nil
}

// hookGet runs Hook.Get on kept and returns the secret it gives back,
// turning an error result, a result of the wrong type or a panic into a
// *HookError.
func (c *Cache) hookGet(id string, kept any) (str *string, bin []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			str, bin, err = nil, nil, &HookError{SecretID: id, Op: "Get", err: newPanicError(p)}
		}
	}()
	switch got := c.cfg.hook.Get(kept).(type) {
	case *secretsmanager.GetSecretValueOutput:
		if got == nil {
			return nil, nil, &HookError{SecretID: id, Op: "Get"}
		}
		return got.SecretString, got.SecretBinary, nil
	case error:
		return nil, nil, &HookError{SecretID: id, Op: "Get", err: got}
	default:
		return nil, nil, &HookError{SecretID: id, Op: "Get", err: fmt.Errorf("returned %T, want *secretsmanager.GetSecretValueOutput", got)}
	}
}

// PanicError reports a panic in code the cache calls — its Client or its
// Hook — recovered so that it cannot crash the process from a goroutine the
// cache owns. Its message, and every formatting verb, name only the panic
// value's type, or a runtime error's text, because the value may hold a
// secret; the value itself stays in the Value field.
type PanicError struct {
	// Value is what the code panicked with.
	Value any
	// Stack is the stack of the goroutine that panicked, for debugging.
	Stack []byte
}

func newPanicError(p any) *PanicError {
	buf := make([]byte, 8<<10)
	return &PanicError{Value: p, Stack: buf[:runtime.Stack(buf, false)]}
}

// Error says that a panic was recovered, without quoting its value unless it
// is a runtime error (a nil dereference, say), which holds no data.
func (e PanicError) Error() string {
	if re, ok := e.Value.(runtime.Error); ok {
		return "secretcache: recovered panic: " + re.Error()
	}
	return fmt.Sprintf("secretcache: recovered panic (%T)", e.Value)
}

// Format writes Error for every verb, so that %v of the struct and %#v,
// which would print Value and Stack, show no more than the message.
func (e PanicError) Format(f fmt.State, verb rune) { io.WriteString(f, e.Error()) }

// Unwrap returns the panic value if it is an error.
func (e PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
