// Package rotation runs AWS Secrets Manager rotation functions written in
// Go: the four steps Secrets Manager invokes a rotation Lambda function for
// (createSecret, setSecret, testSecret, finishSecret), with the checks and
// the behaviour of AWS's Python rotation templates, deployable as one
// static binary on the provided.al2023 runtime.
//
// A Handler runs the steps; a Strategy does what depends on the kind of
// secret. Database rotates MySQL, MariaDB and PostgreSQL users, single-user
// or alternating users:
//
//	db, err := rotation.DatabaseFromEnv(os.Getenv) // ROTATION_SCHEME, ROTATION_TLS, PASSWORD_LENGTH, ...
//	if err != nil {
//		log.Fatal(err)
//	}
//	cfg, err := config.LoadDefaultConfig(ctx)
//	if err != nil {
//		log.Fatal(err)
//	}
//	h := &rotation.Handler{
//		Client:   secretsmanager.NewFromConfig(cfg),
//		Strategy: db,
//		Logger:   slog.New(slog.NewJSONHandler(os.Stdout, nil)),
//	}
//	lambda.Start(h.Handle)
//
// examples/rotation-lambda is that program, with how to build, deploy and
// attach it to a secret. In tests, register the same Handler with the
// emulator of package secretsmanagertest (SetRotationFunc, adapting its
// RotationRequest to an Event field by field) and rotate with RotateSecret.
//
// # What a rotation does
//
// Handler documents the steps and the checks each starts with (rotation
// enabled, the token a version of the secret, labelled AWSPENDING; nothing
// to do once it is AWSCURRENT). Database documents how it differs from
// AWS's templates: confused-deputy checks before any login, TLS by default,
// passwords only in quoted literals (MySQL) or as SCRAM verifiers
// (PostgreSQL), a clone that can only log in once its grants are complete.
// Every step is idempotent, and a step that fails leaves the credentials of
// AWSCURRENT working, so that Secrets Manager's retries of the whole
// rotation complete it. Single-user rotation changes the password in
// setSecret: from then until finishSecret only AWSPENDING's password works,
// which is the window jdbcstyle's AWSPENDING fallback covers.
//
// What is not done: the RDS API is not called, so a masterarn secret must
// hold the host and port (RDS-managed master secrets, which hold only a
// username and a password, need them added), and a read replica is not
// accepted as the master's host. A single-user rotation whose setSecret
// succeeded but whose version was then discarded (CancelRotateSecret and a
// new rotation) leaves no version that logs in, as with AWS's templates.
//
// # Concurrency
//
// A Handler and a Database may serve concurrent invocations: they hold no
// state between calls, and each invocation reads the secret anew. They must
// not be changed while in use. Secrets Manager does not run two rotations
// of one secret at once; nothing here locks against it.
//
// # Contexts
//
// Handle runs the step on its context, the Lambda invocation's. Each
// Secrets Manager call is bounded by Handler.CallTimeout and each login by
// Database.ConnectTimeout, and both end half a second before the context's
// deadline, so that a step that cannot reach Secrets Manager or the
// database fails with an error saying so rather than being killed by the
// Lambda timeout. A cancelled context makes the step fail with an *Error
// wrapping the context's error; nothing keeps running after Handle
// returns.
//
// # Errors
//
// A failed step returns an *Error, which Lambda reports as the invocation's
// error and Secrets Manager records. Its Kind says what to look at, in the
// terms of the rotation troubleshooting guide: SecretsManagerUnreachable (a
// VPC endpoint or NAT gateway, the Lambda timeout), DatabaseUnreachable
// (security groups, subnets), LoginRefused (Stage names the version whose
// credentials were refused), BadSecretValue (Key names the missing or
// mistyped JSON key), Mismatch (the confused-deputy checks), TLSFailed and
// others. Its message never contains a password or a secret value: every
// value read during the step, and the driver errors quoting a statement,
// are scrubbed. The cause stays reachable with errors.As (a
// *mysql.MySQLError, a *pgconn.PgError, an SDK error). A panic in a
// Strategy is recovered and returned as an *Error.
//
// # Logs
//
// Handler.Logger gets one record when a step starts and one per decision
// ("AWSPENDING logs in already: nothing to do", "set the AWSPENDING
// password", ...), each with the step, secret ID and version ID, and an
// ERROR record with the error's text when a step fails. No record holds a
// secret value.
package rotation
