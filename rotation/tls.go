package rotation

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
)

// TLSMode says how a Database strategy protects its connections to the
// database.
type TLSMode int

const (
	// TLSRequire, the default, encrypts every connection and refuses a
	// server without TLS. The server's certificate is verified, host name
	// included, when TLS.RootCAs is set; otherwise it is not (as
	// PostgreSQL's sslmode=require), which protects against eavesdropping
	// but not against an active attacker.
	TLSRequire TLSMode = iota
	// TLSVerifyFull encrypts every connection and verifies the server's
	// certificate and host name against TLS.RootCAs, or against the
	// system's roots when it is nil (as sslmode=verify-full).
	TLSVerifyFull
	// TLSDisable connects without TLS. Passwords then cross the network in
	// the clear (MySQL's SET PASSWORD) or as a SCRAM verifier (PostgreSQL),
	// and the login of a MySQL caching_sha2_password user may need the
	// server's RSA key: use it only on a network you trust.
	TLSDisable
)

// TLS configures the connections of a Database strategy to the database.
// The zero value is TLSRequire without a CA.
type TLS struct {
	// Mode is TLSRequire, TLSVerifyFull or TLSDisable.
	Mode TLSMode
	// RootCAs verifies the server's certificate, for example Amazon RDS's
	// global bundle (see LoadCAFile).
	RootCAs *x509.CertPool
}

// LoadCAFile reads PEM certificates, such as the RDS global bundle
// (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem),
// into a pool for TLS.RootCAs.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.New("rotation: TLS CA file: " + err.Error())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("rotation: TLS CA file " + path + " holds no PEM certificate")
	}
	return pool, nil
}

// config returns the client TLS configuration for host, or nil for
// TLSDisable.
func (t TLS) config(host string) *tls.Config {
	switch {
	case t.Mode == TLSDisable:
		return nil
	case t.Mode == TLSRequire && t.RootCAs == nil:
		// Encryption without authentication, by request: see TLSRequire.
		return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec
	default:
		return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: t.RootCAs, ServerName: host}
	}
}
