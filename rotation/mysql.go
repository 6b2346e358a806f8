package rotation

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
)

// mysqlEngine is MySQL, MariaDB and Aurora MySQL, through
// go-sql-driver/mysql.
type mysqlEngine struct{}

// maxUsername: MySQL 5.7.8 and later hold 32 characters; MariaDB 80 (128
// from 10.6, but 80 is what every supported release takes).
func (mysqlEngine) maxUsername(engine string) int {
	if engine == "mariadb" {
		return 80
	}
	return 32
}

func (mysqlEngine) nameLength(user string) int { return utf8.RuneCountInString(user) }
func (mysqlEngine) nameUnit() string           { return "characters" }

func (mysqlEngine) connect(ctx context.Context, d *Database, s *dbSecret, dbname string) (session, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = s.Username, string(s.Password)
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), dbname
	cfg.TLS = d.TLS.config(s.Host)
	cfg.Timeout = d.connectTimeout()
	cfg.DialFunc = d.Dial
	cfg.Logger = discardLogger{} // errors are returned; the driver's own log is not JSON
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &mysqlSession{db: db, conn: conn}, nil
}

// MySQL error numbers of a refused login.
const (
	erAccessDenied     = 1045 // ER_ACCESS_DENIED_ERROR
	erAccessDeniedNoPw = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
	erBadField         = 1054 // ER_BAD_FIELD_ERROR: no such column
)

func (mysqlEngine) wrongPassword(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == erAccessDenied
}

func (mysqlEngine) classify(err error) Kind {
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &me) && (me.Number == erAccessDenied || me.Number == erAccessDeniedNoPw):
		return LoginRefused
	case errors.Is(err, mysql.ErrNoTLS):
		return TLSFailed
	}
	return Failed
}

// discardLogger drops go-sql-driver's log lines.
type discardLogger struct{}

// Print drops the line.
func (discardLogger) Print(...any) {}

// mysqlSession is one connection, through database/sql.
type mysqlSession struct {
	db   *sql.DB
	conn *sql.Conn
}

func (s *mysqlSession) close() {
	s.conn.Close()
	s.db.Close()
}

func (s *mysqlSession) test(ctx context.Context) error {
	var now string
	return s.conn.QueryRowContext(ctx, "SELECT NOW()").Scan(&now)
}

// quoter returns the function that quotes string literals on this
// session, which depends on its sql_mode.
func (s *mysqlSession) quoter(ctx context.Context) (func(string) (string, error), error) {
	var mode string
	if err := s.conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		return nil, err
	}
	noBackslash := strings.Contains(strings.ToUpper(mode), "NO_BACKSLASH_ESCAPES")
	return func(v string) (string, error) { return quoteMySQL(v, noBackslash) }, nil
}

// checkCredentials refuses what quoteMySQL cannot quote.
func (mysqlEngine) checkCredentials(user, password string) (string, error) {
	for key, v := range map[string]string{"username": user, "password": password} {
		if _, err := quoteMySQL(v, false); err != nil {
			return key, err
		}
	}
	return "", nil
}

// errUnquotable is the error of a string no literal can carry safely.
var errUnquotable = errors.New("rotation: a name or password holds a NUL byte or is not valid UTF-8, which cannot be quoted safely")

// quoteMySQL quotes v as a MySQL string literal. CREATE USER, ALTER USER,
// SET PASSWORD and GRANT take no placeholders, so names and passwords go
// in as literals: a quote is doubled, which every sql_mode reads as one,
// and a backslash is escaped unless the session's sql_mode has
// NO_BACKSLASH_ESCAPES, where it is an ordinary character. The connection
// speaks utf8mb4, in which no multi-byte character contains a quote or a
// backslash byte; v must be valid UTF-8 without NUL bytes.
func quoteMySQL(v string, noBackslashEscapes bool) (string, error) {
	if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
		return "", errUnquotable
	}
	v = strings.ReplaceAll(v, "'", "''")
	if !noBackslashEscapes {
		v = strings.ReplaceAll(v, `\`, `\\`)
	}
	return "'" + v + "'", nil
}

// setOwnPassword uses SET PASSWORD, which every account may run on itself,
// in the form the server speaks: a plain literal for MySQL 8 and later,
// PASSWORD('...') for MariaDB and MySQL 5.7, as AWS's templates do.
func (s *mysqlSession) setOwnPassword(ctx context.Context, password string) error {
	quote, err := s.quoter(ctx)
	if err != nil {
		return err
	}
	var version string
	if err := s.conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return err
	}
	lit, err := quote(password)
	if err != nil {
		return err
	}
	if !plainPasswordLiteral(version) {
		lit = "PASSWORD(" + lit + ")"
	}
	return s.execSecret(ctx, "SET PASSWORD = "+lit)
}

// plainPasswordLiteral reports whether SET PASSWORD takes the password
// itself (MySQL 8 and later) rather than PASSWORD() of it.
func plainPasswordLiteral(version string) bool {
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return false
	}
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return err == nil && n >= 8
}
