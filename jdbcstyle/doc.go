// Package jdbcstyle opens MySQL, MariaDB and PostgreSQL connections whose
// credentials live in an AWS Secrets Manager secret, and keeps opening them
// while the secret rotates. It is the Go counterpart of AWS's JDBC "Secrets
// Manager SQL connection" drivers, without their sleeps and with a context
// all the way down.
//
// # Usage
//
// Importing the package registers two database/sql drivers, DriverMySQL
// ("secretsmanager-mysql": MySQL, MariaDB, Aurora MySQL; go-sql-driver/mysql
// underneath) and DriverPostgres ("secretsmanager-postgres": PostgreSQL,
// Aurora PostgreSQL, Redshift; pgx v5 underneath). Their DSN names the
// secret instead of carrying a password:
//
//	db, err := sql.Open("secretsmanager-mysql", "prod/app/db?parseTime=true")
//
// The DSN grammar is <secret name or ARN>[?params] (see ParseDSN). The
// host, port, dbname, username and password come from the secret's JSON in
// the structure AWS documents (see ParseSecret); the params host, port and
// dbname override the secret's, which RDS-managed secrets need since they
// hold only a username and a password. The params region and endpoint pick
// the Secrets Manager client (an ARN's region is used when there is no
// region param), fallback=false turns off the rotation fallbacks,
// loginTimeout bounds one connect; every other param goes to the underlying
// driver untouched, except user and password params, which are refused.
//
// The drivers share one secretcache.Cache per (region, endpoint), built by
// the first Connect from the standard AWS configuration (environment,
// shared profile, IRSA, AWS_ENDPOINT_URL_SECRETS_MANAGER) and kept for the
// life of the process. A service that builds its own cache, to configure or
// close it, uses a Connector instead:
//
//	cache, err := secretcache.New()
//	...
//	conn, err := jdbcstyle.NewConnector(cache, jdbcstyle.Postgres, "prod/app/db?sslmode=require")
//	...
//	db := sql.OpenDB(conn) // db.Close closes conn, not cache
//
// # Rotation
//
// Every new connection reads the credentials from the cache, so a login
// costs no Secrets Manager call while the cached version is valid. When the
// database rejects the credentials (MySQL/MariaDB error 1045 or 1698,
// PostgreSQL SQLSTATE 28P01 or 28000), Connect refreshes the secret's
// AWSCURRENT version (one call shared by concurrent connects, rate-limited
// per secret, and skipped when another connect already brought a newer
// version) and logs in again if the credentials changed. If they did not,
// or still fail, it tries AWSPENDING when that version has the same
// username (single-user rotation, between the rotation function's setSecret
// and finishSecret steps, when the database already has the new password),
// or else AWSPREVIOUS when its username differs (alternating users, when the
// new user is not ready yet). Then it gives up with the error of the first
// login, still reachable with errors.As as a *mysql.MySQLError or
// *pgconn.PgError inside a *ConnectError, whose FetchErrors say why any
// version could not be read (Secrets Manager denying access or throttling).
//
// A fallback that let a Connect in is tried first by the Connects of the
// next few seconds, while the cached AWSCURRENT is still the refused one, so
// that a burst of new connections in a rotation window costs one refused
// login rather than one each: databases may lock out or alert on a run of
// them. One Connect makes at most three login attempts, never two with the
// same credentials, and, besides reading AWSCURRENT, at most three Secrets
// Manager calls. It never retries an
// account lockout (MySQL 3118 and 3955, MariaDB 4150 and 4151), and never
// reports a login failure as driver.ErrBadConn, which would make
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
// A Connector and the registered drivers are safe for concurrent use, as
// database/sql requires. Config and Secret are plain values.
//
// # Secrets in errors and logs
//
// No error of this package contains a password, a secret value or a whole
// DSN. A Secret's Password formats as [REDACTED] with every fmt verb, in
// JSON and in log/slog.
package jdbcstyle
