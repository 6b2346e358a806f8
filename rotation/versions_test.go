package rotation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/secretcache/secretcache-go/internal/testdb"
)

// version returns the value of the version that stage labels, or ok false
// when it has none (no such label, or RotateSecret's placeholder).
func (e *dbEnv) version(stage string) (user, password string, ok bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := e.sm.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(e.arn), VersionStage: aws.String(stage)})
	if errors.As(err, new(*types.ResourceNotFoundException)) {
		return "", "", false
	}
	if err != nil {
		e.t.Fatalf("GetSecretValue %s: %v", stage, err)
	}
	var v struct{ Username, Password string }
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil {
		e.t.Fatalf("%s is not JSON", stage)
	}
	return v.Username, v.Password, true
}

// logsIn reports whether user can log in with password, with the drivers
// directly (over TLS on a TLS server); a failure other than a refused
// login fails the test.
func (e *dbEnv) logsIn(user, password string) bool {
	e.t.Helper()
	err := directLogin(e.srv, user, password, e.srv.RootCAs())
	if err != nil && !e.srv.IsAuthError(err) {
		e.t.Fatalf("login as %s: %v", user, err)
	}
	return err == nil
}

// directLogin logs in with the drivers, without package rotation, over
// TLS verified against roots when it is not nil.
func directLogin(srv *testdb.Server, user, password string, roots *x509.CertPool) error {
	var cfg *tls.Config
	if roots != nil {
		cfg = &tls.Config{RootCAs: roots, ServerName: srv.Host}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port))
	if srv.Engine == testdb.EngineMySQL {
		c := mysql.NewConfig()
		c.Net, c.Addr, c.User, c.Passwd, c.DBName, c.TLS = "tcp", addr, user, password, srv.Database(), cfg
		conn, err := mysql.NewConnector(c)
		if err != nil {
			return err
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		return db.PingContext(ctx)
	}
	c, err := pgx.ParseConfig("postgres://" + addr + "/?sslmode=disable")
	if err != nil {
		return err
	}
	c.User, c.Password, c.Database, c.TLSConfig = user, password, srv.Database(), cfg
	conn, err := pgx.ConnectConfig(ctx, c)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// table returns what the versions labelled AWSCURRENT, AWSPENDING and
// AWSPREVIOUS do: ✓ logs in, ✗ is refused, – has no value.
func (e *dbEnv) table() string {
	e.t.Helper()
	var cells []string
	for _, stage := range []string{StageCurrent, StagePending, StagePrevious} {
		user, pw, ok := e.version(stage)
		switch {
		case !ok:
			cells = append(cells, "–")
		case e.logsIn(user, pw):
			cells = append(cells, "✓")
		default:
			cells = append(cells, "✗")
		}
	}
	return strings.Join(cells, " ")
}
