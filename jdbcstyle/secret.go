package jdbcstyle

import (
	"errors"

	"github.com/secretcache/secretcache-go/internal/dbsecret"
)

// Secret is a database secret in the JSON structure that AWS Secrets Manager
// documents for its rotation functions and RDS integration:
//
//	{"engine": "mysql", "host": "db.example.com", "port": 3306,
//	 "username": "app", "password": "...", "dbname": "app"}
//
// Formatting a Secret with any fmt verb, marshalling it to JSON or logging it
// with log/slog never shows the password (see Password).
type Secret struct {
	// Engine is the "engine" key, lower-cased: mysql, mariadb, aurora-mysql,
	// postgres, aurora-postgresql, redshift, oracle, sqlserver, db2 or mongo.
	// It is "" when the secret has none, as in the secrets RDS manages for a
	// master user, which hold only a username and a password.
	Engine string
	// Host is the "host" key, "" when absent: a host name, an IP address
	// (an IPv6 address written in brackets, as in URLs, loses them) or a
	// Unix socket path. A host with a port, white space or control
	// characters is a *SecretError naming the key.
	Host string
	// Port is the "port" key, or the engine's default port when the key is
	// absent (3306, 5432, 1521, 1433, 50000, 5439 or 27017), or 0 when both
	// are absent.
	Port int
	// Username is the "username" key; it is required.
	Username string
	// Password is the "password" key; it is required.
	Password Password
	// DBName is the "dbname" key, or the engine's default database when the
	// key is absent ("postgres" for postgres and aurora-postgresql, "master"
	// for sqlserver), or "". It is required for oracle.
	DBName string
	// MasterARN is the "masterarn" key: the ARN of the secret holding the
	// credentials that rotate this one (alternating users, db2).
	MasterARN string
	// DBInstanceIdentifier is the "dbInstanceIdentifier" key.
	DBInstanceIdentifier string
	// DBClusterIdentifier is the "dbClusterIdentifier" key.
	DBClusterIdentifier string
	// NamespaceName is the "namespaceName" key (Redshift Serverless).
	NamespaceName string
	// SSL is the "ssl" key (DocumentDB): true when it is the JSON boolean
	// true or the string "true", false when absent.
	SSL bool
	// SSLMode is the "ssl" key when it is a string other than "true" or
	// "false": an SSL mode such as "require", the form AWS's JDBC library
	// reads. It is informational here; the tls and sslmode DSN params set
	// the drivers' TLS.
	SSLMode string
}

// ParseSecret decodes a database secret. Keys are matched exactly as AWS
// spells them; keys it does not know are ignored, and a JSON null counts as
// absent. "port" may be a JSON number or, as in many hand-written secrets, a
// string of digits; "ssl" may be a JSON boolean or the string "true" or
// "false". Any other problem is a *SecretError naming the key.
func ParseSecret(data []byte) (*Secret, error) {
	f, err := dbsecret.Parse(data)
	if err != nil {
		var e *dbsecret.Error
		if errors.As(err, &e) {
			return nil, &SecretError{Key: e.Key, Problem: e.Problem}
		}
		return nil, &SecretError{Problem: "not a JSON object"}
	}
	return &Secret{
		Engine:               f.Engine,
		Host:                 f.Host,
		Port:                 f.Port,
		Username:             f.Username,
		Password:             Password(f.Password),
		DBName:               f.DBName,
		MasterARN:            f.MasterARN,
		DBInstanceIdentifier: f.DBInstanceIdentifier,
		DBClusterIdentifier:  f.DBClusterIdentifier,
		NamespaceName:        f.NamespaceName,
		SSL:                  f.SSL,
		SSLMode:              f.SSLMode,
	}, nil
}
