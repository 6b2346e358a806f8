// Package secretsmanagertest provides an in-process AWS Secrets Manager for
// tests, shaped like net/http/httptest: NewServer starts it on a loopback
// address, Client returns a real *secretsmanager.Client from
// aws-sdk-go-v2 pointed at it, and Close shuts it down.
//
// The server speaks the AWS JSON 1.1 protocol the SDK uses, so code under
// test runs unchanged: requests go through the SDK's serializers, and
// errors come back as the SDK's own types (*types.ResourceNotFoundException
// and so on), reachable with errors.As.
//
//	srv := secretsmanagertest.NewServer()
//	defer srv.Close()
//	if _, err := srv.CreateSecret("prod/app/db", `{"password":"hunter2"}`); err != nil {
//		t.Fatal(err)
//	}
//	out, err := srv.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
//		SecretId: aws.String("prod/app/db"),
//	})
//
// # Operations
//
// CreateSecret, GetSecretValue, BatchGetSecretValue, DescribeSecret,
// PutSecretValue, UpdateSecretVersionStage, ListSecretVersionIds,
// DeleteSecret, RestoreSecret, RotateSecret and GetRandomPassword (with
// every parameter of the model and AWS's punctuation set). Any other operation fails
// with UnknownOperationException. Secrets are found by name, full ARN
// (arn:aws:secretsmanager:us-east-1:123456789012:secret:NAME-xxxxxx) or
// partial ARN (the full ARN without "-xxxxxx"). Staging labels follow the
// service's rules: AWSCURRENT is on exactly one version of a secret with a
// value, a label is on at most one version, moving AWSCURRENT moves
// AWSPREVIOUS to the version that had it, and versions left without a
// label are deprecated (kept, but listed only with IncludeDeprecated).
// A ClientRequestToken is the ID of the version it creates, which makes
// retried writes idempotent. Scheduled deletions never complete; use
// ForceDeleteWithoutRecovery to free a name.
//
// # Rotation
//
// RotateSecret behaves as the service does. It configures rotation (the
// Lambda ARN, RotationRules), creates the rotation's version (ID: the
// request's ClientRequestToken) labelled AWSPENDING and without a value
// (reading it answers ResourceNotFoundException, which AWS's rotation
// templates rely on), answers with that VersionId, and only then invokes
// the function registered with SetRotationFunc for createSecret,
// setSecret, testSecret and finishSecret, on a goroutine of its own. Each
// invocation carries SecretId, ClientRequestToken, Step and RotationToken.
// After a failed step the whole rotation is retried with the same token
// (WithRotationAttempts), then left pending: the AWSPENDING version stays,
// and a later RotateSecret answers "A previous rotation isn't complete.
// That rotation will be reattempted." CancelRotateSecret turns rotation off
// and stops a running rotation; as AWS documents, it leaves the labels as
// they are, so the caller removes AWSPENDING with UpdateSecretVersionStage
// before rotating again. RotateImmediately=false runs testSecret alone, on
// a version holding a copy of AWSCURRENT that is removed afterwards.
// WaitRotation waits for a rotation's outcome. DescribeSecret shows
// RotationEnabled, RotationLambdaARN, RotationRules, NextRotationDate and
// LastRotatedDate as AWS does, and none of them for a secret never
// configured for rotation; NextRotationDate is computed for
// AutomaticallyAfterDays and rate() schedules, not for cron() ones.
//
// # Test controls
//
// Calls counts requests per operation; the client from Client does not
// retry, so one SDK call is one request. SetLatency delays an operation,
// InjectFault makes it fail (throttling, 500s, access denied, or a request
// that never answers), and SetRotationFunc registers the function
// RotateSecret drives through its four steps. Rotate rotates a secret in
// one call without a function. CreateSecret, PutSecretValue and the other
// Go-side helpers change state without a request, so they are not counted
// and ignore faults.
//
// # Concurrency and contexts
//
// Every method of Server is safe for concurrent use, also while requests
// are being served. Each request is atomic with respect to the others.
// A request held by SetLatency or a Timeout fault ends as soon as its
// client cancels it, so a client's context deadline is honoured; Close
// ends held requests too and then waits for all requests to finish.
//
// A rotation runs on a context of its own, never on the RotateSecret
// request's: each step's context ends after the step timeout
// (WithRotationStepTimeout), on CancelRotateSecret, or on Close. Close
// cancels running rotations and waits for their functions to return. A
// panic in a rotation function fails its step and is reported by
// WaitRotation; it never reaches the server.
//
// The server never logs, and no error message or String method of this
// package contains a secret value.
package secretsmanagertest
