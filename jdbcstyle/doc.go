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
// region param); fallback, fallbackPrevious and loginConcurrency shape the
// recovery from a rotation (below); loginTimeout bounds one connect. Every
// other param goes to the underlying driver untouched, except user and
// password params, which are refused, and a param given twice, which is an
// error rather than the driver's silent choice of one.
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
// Services on pgx's own pool use NewPgxPool or NewPgxPoolConfig, which give
// a *pgxpool.Pool the same logins, recovery and bounds. ORMs and query
// builders take the *sql.DB (see the README).
//
// # Rotation
//
// Every new connection reads the credentials from the cache, so a login
// costs no Secrets Manager call while the cached version is valid. When the
// database refuses them (MySQL/MariaDB error 1045 or 1698, PostgreSQL
// SQLSTATE 28P01 or 28000), the Connector recovers once for all its
// Connects (the algorithm is stated step by step on Connector.connect, in
// recover.go):
//
//   - It fetches AWSCURRENT again, fresh, and logs in with it if it is
//     another version: the rotation finished and the cache did not know yet.
//   - Else, unless fallback=false, it fetches AWSPENDING and logs in with it
//     if a rotation is in progress (AWSPENDING is on a version that does not
//     carry AWSCURRENT) and its username is the same: a single-user
//     rotation between its setSecret and finishSecret steps, when the
//     database already has the pending password.
//   - Else it fetches AWSPREVIOUS and logs in with it if its user and the
//     refused one are the pair that AWS's alternating-users rotation
//     creates, <user> and <user>_clone: the new user may not be ready yet.
//     fallbackPrevious=any widens this to any other user, and
//     fallbackPrevious=never turns it off. AWSPREVIOUS is never used for a
//     user that merely differs: a team that moves the secret from a
//     privileged user to a least-privilege one with a wrong password must
//     get an error, not a login as the privileged user.
//
// A fallback must name the same server as the refused version (host, port
// and dbname, after the DSN's overrides): rotations change credentials, not
// where they are sent, so a stale or tampered AWSPENDING or AWSPREVIOUS
// that points elsewhere is never tried.
//
// A fallback that let a login in is used by the next Connects while the
// cached AWSCURRENT is the refused version, and AWSCURRENT is fetched again
// in the background (after 1s, then ever less often) so that they go back to
// it once the rotation finishes. Every login made with a fallback is logged
// at WARN level through the cache's Logger (secret ID, stage and username,
// never the password) and counted (Connector.Stats, DriverStats).
//
// A recovery reads the secret once more after a failure that the AWS SDK's
// standard retryer would retry (throttling, a 5xx, a broken connection),
// so that one throttled call does not fail every Connect waiting on it.
// When nothing works, the Connect fails with the error of the refused
// login, reachable with errors.As as a *mysql.MySQLError or *pgconn.PgError
// inside a *ConnectError, whose FetchErrors say why a version could not be
// read (Secrets Manager denying access or throttling).
//
// # Bounded refusals
//
// A run of refused logins is what trips account lockouts (MariaDB's
// max_password_errors, MySQL's FAILED_LOGIN_ATTEMPTS) and intrusion alarms,
// so the Connector bounds them whatever the concurrency:
//
//   - Credentials the database refused are not sent again until their
//     version changes or a backoff passes: 10s, doubling up to 10 minutes,
//     with one Connect trying at a time; 1s for a PostgreSQL 28000 that does
//     not come from PostgreSQL's own authentication code, such as RDS
//     Proxy's for credentials it has not read from the secret yet. A
//     password that stays wrong (the database changed, the secret not yet)
//     costs loginConcurrency refused logins at once, then one after 10s,
//     30s, 70s, 150s and so on while Connects keep coming: a lockout policy
//     of five failures blocks the account after about a minute of Connects,
//     not after five, one of ten after half an hour. A fallback version
//     (AWSPENDING, AWSPREVIOUS) the database refused is not sent again for
//     10 minutes: a stale AWSPENDING adds one refusal, not one per
//     backoff. A login whose Connect's deadline passes after the
//     credentials left still waits for the verdict, so that a refusal is
//     learnt once rather than sent again by the next Connect. A Connect
//     that has nothing left to try fails without a login
//     (ConnectError.Withheld).
//   - Concurrent Connects share one recovery per refused version, which runs
//     on the Connector's own context: a caller that gives up does not cut
//     it short for the others. A recovery answers only the Connects whose
//     refusal came before it fetched the secret; the others start the next
//     one, so the first Connect after an emergency fix (the database got a
//     new password, then the secret) logs in.
//   - At most loginConcurrency logins (DefaultLoginConcurrency, 2) wait for
//     the database's verdict at once. A login takes its place just before
//     it sends its credentials to the server (MySQL's handshake response,
//     after the TCP connect and the server's greeting; PostgreSQL's
//     password proof, after TLS, the startup message and, for SCRAM, the
//     client's key derivation) and gives it back once the verdict is
//     recorded; one that gets its place after its credentials were refused
//     is abandoned before it sends them. A PostgreSQL login whose
//     credentials were refused is also abandoned before its startup
//     message, but a pg_hba.conf reject, which answers the startup message,
//     is not bounded by the gate: Connects that start together before the
//     first reject may all meet it; later ones send nothing. When a password stops
//     working, at most that many logins are refused before every Connect
//     knows. More lets a pool fill faster after a restart on a host with
//     many cores, at the price of that many refused logins at a rotation;
//     the benchmarks in the repository measure it.
//
// One Connect makes at most three logins, and never reports a login
// failure as driver.ErrBadConn, which would make database/sql try again and
// multiply them. A refusal of the account rather than of the credentials
// stops the ladder, no other user is tried: a locked account (MySQL 3118
// and 3955, MariaDB 4150 and 4151) and, with SQLSTATE 28000, PostgreSQL's
// NOLOGIN ("role ... is not permitted to log in") and pg_hba.conf rejects,
// told apart by the routine PostgreSQL reports (or its message when there
// is none). Any other 28000 stays recoverable.
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
// wait in progress stops and Connect returns the context's error. A shared
// recovery that other Connects wait on is not cancelled by one caller giving
// up. Since database/sql opens pooled connections with a context that never
// ends, each Connect also has its own deadline, loginTimeout
// (DefaultLoginTimeout unless the DSN says otherwise), and so does each
// recovery. For MySQL the deadline applies from the TCP connection on: the
// TCP connect itself runs on the caller's context, which a dial deadline
// would make several percent slower; one that hangs ends with the caller's
// context or the operating system's connect timeout.
//
// # Concurrency
//
// A Connector and the registered drivers are safe for concurrent use, as
// database/sql requires. Config and Secret are plain values. The bounds
// above hold for all the Connectors that read the same secret through the
// same cache with the same engine and DSN: they share what they learn and
// one login gate, so several sql.DB or pgxpool.Pool on one secret (sql.Open
// called twice with the same DSN, an ORM beside a query builder) cost no
// more refused logins than one. Connectors that differ in any of these
// (another cache, other params) bound their refusals apart.
//
// # Secrets in memory, errors and logs
//
// A Connector keeps, per secret version, the driver's configuration without
// the password, and compares versions by VersionId. When the cache has a
// hook such as hook.AESGCM, each login reads the secret from the cache
// (decrypted for that call) and hands the password to the driver's copy of
// the configuration, so that between Connects the Connector holds no
// password and no secret JSON. Without a hook, the cache holds the secret
// in clear anyway, and the Connector keeps the password of the versions in
// use, which spares a JSON decode per Connect. The drivers keep their
// configuration, password included, for the life of each connection they
// open, except those of a pool from NewPgxPool, which carry none.
//
// No error of this package contains a password, a secret value or a whole
// DSN: DSN and driver-param errors name the param, never its value, and
// never quote the drivers' connection strings. A Secret's Password formats
// as [REDACTED] with every fmt verb, in JSON and in log/slog.
package jdbcstyle
