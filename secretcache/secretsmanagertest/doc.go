// Package secretsmanagertest provides an in-process AWS Secrets Manager for
// tests, shaped like net/http/httptest: NewServer starts it on a loopback
// address, Client returns a real *secretsmanager.Client from
// aws-sdk-go-v2 pointed at it, and Close shuts it down. Any AWS client can
// use it too: NewServerAt serves it on a fixed address, and the command
// cmd/secretsmanager-local runs it as a local server for the AWS CLI,
// boto3, the JavaScript SDK or any SDK honouring
// AWS_ENDPOINT_URL_SECRETS_MANAGER.
//
// The server speaks the AWS JSON 1.1 protocol the SDKs use, so code under
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
// All 23 operations of the API, as the SDK's model defines them:
// CreateSecret, GetSecretValue, BatchGetSecretValue, PutSecretValue,
// UpdateSecret, UpdateSecretVersionStage, DescribeSecret, ListSecrets
// (filters, sort order, IncludePlannedDeletion, paging),
// ListSecretVersionIds, DeleteSecret, RestoreSecret, TagResource,
// UntagResource, GetRandomPassword, RotateSecret, CancelRotateSecret,
// Get/Put/Delete/ValidateResourcePolicy, ReplicateSecretToRegions,
// RemoveRegionsFromReplication and StopReplicationToReplica.
//
// Requests are checked as the service checks them, with AWS's messages:
// the model's constraints (lengths such as ClientRequestToken's 32-64
// characters and SecretString's 65,536, ranges, patterns, required
// members) answer ValidationException "1 validation error detected: ...",
// and a name outside AWS's rule (letters, digits and /_+=.@-!) answers
// "Invalid name. ...". A request carrying a value must carry a
// ClientRequestToken, which the SDKs and the CLI always add; it becomes the
// ID of the version it creates, so a retried write is idempotent and a
// token reused with another value is refused.
//
// Secrets are found by name, full ARN or partial ARN (the full ARN without
// its "-xxxxxx" suffix). Staging labels follow the service's rules:
// AWSCURRENT is on exactly one version of a secret with a value, a label is
// on at most one version, moving AWSCURRENT moves AWSPREVIOUS to the
// version that had it, and versions left without a label are deprecated
// (kept, but listed only with IncludeDeprecated). Scheduled deletions never
// complete; use ForceDeleteWithoutRecovery to free a name.
//
// # Regions and accounts
//
// Secrets are regional, as in AWS. A request is served in the region of
// its SigV4 signature (the credential scope of its Authorization header),
// so a client of eu-west-1 sees the eu-west-1 secrets, and every ARN
// carries that region and the account of WithAccountID. Unsigned requests,
// Config, Client and the Go-side helpers use the server's own region
// (WithRegion). Credentials are never checked. Replication works across
// regions: a replica is readable through a client of its region, shows its
// primary's versions, labels, description, tags and policy at once, and
// refuses every change, as AWS does.
//
// # What is not emulated
//
// Nothing is encrypted, and KMS key IDs are stored and reported, never
// used. Resource policies are stored, returned and checked for syntax and
// public access (BlockPublicPolicy, ValidateResourcePolicy), but never
// evaluated: every request is allowed. IAM is not consulted. ListSecrets
// is always up to date, where AWS may take minutes. Scheduled rotations
// never run by themselves; RotateSecret starts one.
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
// and ignore faults. WithSeed creates secrets at start; Reset (also
// POST ResetPath) returns the server to that state, for suites sharing one
// server.
//
// # Concurrency and contexts
//
// Every method of Server is safe for concurrent use, also while requests
// are being served. Each request is atomic with respect to the others,
// across regions too. A request held by SetLatency or a Timeout fault ends
// as soon as its client cancels it, so a client's context deadline is
// honoured; Close ends held requests too and then waits for all requests to
// finish.
//
// A rotation runs on a context of its own, never on the RotateSecret
// request's: each step's context ends after the step timeout
// (WithRotationStepTimeout), on CancelRotateSecret, on Reset, or on Close.
// Close cancels running rotations and waits for their functions to return.
// A panic in a rotation function fails its step and is reported by
// WaitRotation; it never reaches the server.
//
// # Errors
//
// Errors of the Go-side helpers are the SDK's own types, as a client would
// see them, so errors.As works the same on both paths; ValidationException,
// which the model does not declare, is a smithy.APIError with that code. A
// failed rotation is a *RotationError wrapping the function's error,
// ErrRotationCancelled or ErrRotationNotFinished. The server never logs,
// and no error message or String method of this package contains a secret
// value: validation messages leave out the values of the members the
// model marks sensitive.
package secretsmanagertest
