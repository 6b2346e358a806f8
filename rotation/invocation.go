package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Staging labels of Secrets Manager, and the pseudo-stage of the secret
// named by the masterarn key, as errors and logs name versions.
const (
	// StageCurrent labels the version in use.
	StageCurrent = "AWSCURRENT"
	// StagePending labels the version a rotation creates.
	StagePending = "AWSPENDING"
	// StagePrevious labels the version AWSCURRENT was on before.
	StagePrevious = "AWSPREVIOUS"
	// StageMaster names, in errors and logs, the AWSCURRENT version of the
	// secret that the rotated secret's masterarn key names.
	StageMaster = "masterarn"
)

// Invocation is what a Strategy sees of the invocation it serves: the
// event, a logger, and the versions of the secret, each read from Secrets
// Manager at most once per invocation. Its methods are safe for
// concurrent use. It lives as long as the step; a Strategy must not keep
// it.
type Invocation struct {
	// Event is the invocation.
	Event Event

	client  Client
	timeout time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	values  map[versionRef]string // secret strings read; guarded by mu
	secrets []string              // every secret string read, and its password; guarded by mu
}

// Logger returns the step's logger, which already carries the step, the
// secret and the version. Never log a value read through r with it.
func (r *Invocation) Logger() *slog.Logger { return r.log }

// Current returns the value of the secret's AWSCURRENT version.
func (r *Invocation) Current(ctx context.Context) (string, error) {
	return r.get(ctx, versionRef{stage: StageCurrent, secretID: r.Event.SecretID, label: StageCurrent})
}

// Pending returns the value of the event's version, which carries
// AWSPENDING. In createSecret, before the value is put, it fails with an
// *Error whose Err is a *types.ResourceNotFoundException.
func (r *Invocation) Pending(ctx context.Context) (string, error) {
	return r.get(ctx, versionRef{stage: StagePending, secretID: r.Event.SecretID, versionID: r.Event.ClientRequestToken, label: StagePending})
}

// Previous returns the value of the secret's AWSPREVIOUS version; ok is
// false when there is none, as before the first rotation.
func (r *Invocation) Previous(ctx context.Context) (value string, ok bool, err error) {
	value, err = r.get(ctx, versionRef{stage: StagePrevious, secretID: r.Event.SecretID, label: StagePrevious})
	if errors.As(err, new(*types.ResourceNotFoundException)) {
		return "", false, nil
	}
	return value, err == nil, err
}

// Master returns the AWSCURRENT value of another secret, the one holding
// the admin credentials that alternating users rotate with (the masterarn
// key of a database secret). Errors name it StageMaster.
func (r *Invocation) Master(ctx context.Context, secretID string) (string, error) {
	return r.get(ctx, versionRef{stage: StageMaster, secretID: secretID, label: StageCurrent})
}

// versionRef names a version to read: by label, and also by ID when
// versionID is set (Secrets Manager then checks they agree).
type versionRef struct {
	stage     string // for errors and logs: a staging label or StageMaster
	secretID  string
	versionID string
	label     string
}

// get reads one version, at most once per invocation.
func (r *Invocation) get(ctx context.Context, ref versionRef) (string, error) {
	r.mu.Lock()
	v, ok := r.values[ref]
	r.mu.Unlock()
	if ok {
		return v, nil
	}
	stage := ref.stage
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(ref.secretID), VersionStage: aws.String(ref.label)}
	if ref.versionID != "" {
		in.VersionId = aws.String(ref.versionID)
	}
	out, err := call(ctx, r.timeout, "GetSecretValue", stage, func(ctx context.Context) (*secretsmanager.GetSecretValueOutput, error) {
		return r.client.GetSecretValue(ctx, in)
	})
	if err != nil {
		return "", err
	}
	if out.SecretString == nil {
		return "", &Error{Kind: BadSecretValue, Stage: stage, Problem: "the " + stage + " version holds a binary secret, not a string"}
	}
	v = *out.SecretString
	r.remember(v)
	r.mu.Lock()
	r.values[ref] = v
	r.mu.Unlock()
	return v, nil
}

// remember records value, and its password key when it is a JSON object,
// as strings no error or log may contain.
func (r *Invocation) remember(value string) {
	var fields struct {
		Password string `json:"password"`
	}
	_ = json.Unmarshal([]byte(value), &fields) // not JSON: nothing more to hide
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, value, fields.Password)
}

// Sensitive records strings no error of the step may contain, for a
// Strategy that holds secrets other than the values read through r and
// their "password" keys (those are recorded already).
func (r *Invocation) Sensitive(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, values...)
}

// sensitive returns the strings recorded so far.
func (r *Invocation) sensitive() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.secrets...)
}

// RandomPassword asks Secrets Manager for a new password (GetRandomPassword)
// shaped by opts.
func (r *Invocation) RandomPassword(ctx context.Context, opts PasswordOptions) (string, error) {
	out, err := call(ctx, r.timeout, "GetRandomPassword", "", func(ctx context.Context) (*secretsmanager.GetRandomPasswordOutput, error) {
		return r.client.GetRandomPassword(ctx, opts.input())
	})
	if err != nil {
		return "", err
	}
	if out.RandomPassword == nil || *out.RandomPassword == "" {
		return "", &Error{Kind: SecretsManagerFailed, Op: "GetRandomPassword", Problem: "GetRandomPassword returned no password"}
	}
	pw := *out.RandomPassword
	r.Sensitive(pw)
	return pw, nil
}
