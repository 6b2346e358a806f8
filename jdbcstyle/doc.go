// Package jdbcstyle opens MySQL, MariaDB and PostgreSQL connections whose
// credentials live in an AWS Secrets Manager secret, and keeps opening them
// while the secret rotates. It is the Go counterpart of AWS's JDBC "Secrets
// Manager SQL connection" drivers, without their sleeps and with a context
// all the way down.
//
// # Usage
//
// Importing the package registers two database/sql drivers,
// "secretsmanager-mysql" (MySQL, MariaDB, Aurora MySQL; go-sql-driver/mysql
// underneath) and "secretsmanager-postgres" (PostgreSQL, Aurora PostgreSQL,
// Redshift; pgx v5 underneath). Their DSN names the secret instead of
// carrying a password:
//
//	db, err := sql.Open("secretsmanager-mysql", "prod/app/db?parseTime=true")
//
// The DSN grammar is <secret name or ARN>[?params] (see ParseDSN). The
// host, port, dbname, username and password come from the secret's JSON in
// the structure AWS documents (see ParseSecret); the params host, port and
// dbname override the secret's, which RDS-managed secrets need since they
// hold only a username and a password. The params region and endpoint pick
// the Secrets Manager client, fallback=false turns off the rotation
// fallbacks, loginTimeout bounds one connect; every other param goes to the
// underlying driver untouched.
//
// The drivers share one secretcache.Cache per (region, endpoint), built on
// first use from the standard AWS configuration (environment, shared
// profile, IRSA, AWS_ENDPOINT_URL_SECRETS_MANAGER). A service that builds its
// own cache uses a Connector instead:
//
//	cache, err := secretcache.New()
//	...
//	conn, err := jdbcstyle.NewConnector(cache, jdbcstyle.Postgres, "prod/app/db?sslmode=require")
//	...
//	db := sql.OpenDB(conn)
//
// # Rotation
//
// Every new connection reads the credentials from the cache, so a login
// costs no Secrets Manager call while the cached version is valid. When the
// database rejects the credentials (MySQL/MariaDB error 1045 or 1698,
// PostgreSQL SQLSTATE 28P01 or 28000), Connect refreshes the secret (one call
// shared by all concurrent connects, rate-limited per secret) and retries if
// the version changed. If it did not, it tries AWSPENDING when that version
// has the same username (single-user rotation, between the rotation
// function's setSecret and finishSecret steps, when the database already has
// the new password), or AWSPREVIOUS when its username differs (alternating
// users). Then it gives up with the driver's own error, still reachable with
// errors.As as a *mysql.MySQLError or *pgconn.PgError. One Connect makes at
// most three login attempts, never retries an account lockout, and never
// reports an authentication failure as driver.ErrBadConn, which would make
// database/sql try again and multiply the attempts.
//
// Connections already open are never closed by a rotation: MySQL, MariaDB
// and PostgreSQL keep sessions open when a password changes. To bound how
// long a connection lives on credentials that a later rotation revoked
// (alternating users revoke the older user one rotation later), set
// sql.DB.SetConnMaxLifetime to less than the rotation interval, e.g. an
// hour for a daily rotation; new connections then pick up the current
// credentials without any error.
//
// # Contexts and deadlines
//
// Connect honours its context: when it is cancelled, the login attempt or
// Secrets Manager wait in progress stops and Connect returns the context's
// error. A shared secret refresh that other connects wait on is not
// cancelled by one caller giving up. Since database/sql opens pooled
// connections with a context that never ends, each Connect also has its own
// deadline, loginTimeout (DefaultLoginTimeout unless the DSN says otherwise).
//
// # Concurrency
//
// A Connector and the registered drivers are safe for concurrent use; this
// is what database/sql requires of them. A Secret is a plain value.
//
// # Secrets in errors and logs
//
// No error of this package contains a password, a secret value or a whole
// DSN. A Secret's Password formats as [REDACTED] with every fmt verb, in
// JSON and in log/slog.
package jdbcstyle
