package rotation

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// DefaultCallTimeout bounds one Secrets Manager call when Handler.CallTimeout
// is zero. A call normally takes milliseconds; one that takes seconds is
// one that cannot reach the service.
const DefaultCallTimeout = 10 * time.Second

// deadlineMargin is the time a step keeps before its context's deadline (the
// Lambda timeout) to report why it failed, rather than being killed in the
// middle of a call with only "Task timed out" in the logs.
const deadlineMargin = 500 * time.Millisecond

// shorten returns ctx with a deadline at most d away and deadlineMargin
// before ctx's own, but never one already past.
func shorten(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(d)
	if own, ok := ctx.Deadline(); ok {
		if early := own.Add(-deadlineMargin); early.Before(deadline) && time.Until(early) > 0 {
			deadline = early
		}
	}
	return context.WithDeadline(ctx, deadline)
}

// call runs one Secrets Manager operation under its own deadline and turns
// its failure into an *Error of the right kind. stage says which version the
// call is about, for the message.
func call[T any](ctx context.Context, timeout time.Duration, op, stage string, fn func(context.Context) (T, error)) (T, error) {
	cctx, cancel := shorten(ctx, timeout)
	defer cancel()
	start := time.Now()
	out, err := fn(cctx)
	if err != nil {
		return out, classifyCall(op, stage, err, cctx.Err(), time.Since(start))
	}
	return out, nil
}

// classifyCall decides whether a failed call could not reach Secrets
// Manager (a timeout or a connection failure) or got an answer.
func classifyCall(op, stage string, err, ctxErr error, took time.Duration) *Error {
	e := &Error{Kind: SecretsManagerFailed, Op: op, Stage: stage, Err: err}
	var apiErr smithy.APIError
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &apiErr):
		e.Problem = op + " failed with " + apiErr.ErrorCode()
		if hint := apiHint(op, apiErr.ErrorCode()); hint != "" {
			e.Problem += " (" + hint + ")"
		}
	case errors.Is(ctxErr, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = SecretsManagerUnreachable
		e.Problem = op + " got no answer from Secrets Manager within " + took.Round(time.Millisecond).String()
	case errors.As(err, &dnsErr) || errors.As(err, &opErr) && opErr.Op == "dial":
		e.Kind = SecretsManagerUnreachable
		e.Problem = op + " could not connect to Secrets Manager"
	case errors.Is(err, context.Canceled):
		e.Problem = op + " was cancelled"
	default:
		e.Problem = op + " failed"
	}
	return e
}

// apiHint says what an error code of Secrets Manager usually means for a
// rotation function.
func apiHint(op, code string) string {
	switch {
	case code == "AccessDeniedException":
		return "the function's role needs secretsmanager:" + op + " on this secret"
	case strings.HasPrefix(code, "KMS") || code == "DecryptionFailure" || code == "EncryptionFailure":
		return "the function's role needs kms:Decrypt and kms:GenerateDataKey on the secret's KMS key"
	case code == "ResourceNotFoundException":
		return "no such secret or version"
	}
	return ""
}
