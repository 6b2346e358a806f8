package testdb

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var (
	mysqlTLSServer    lazyServer
	postgresTLSServer lazyServer
)

// MySQLTLS returns a shared throwaway MariaDB that also accepts TLS, with a
// certificate for 127.0.0.1 and localhost signed by the CA in RootCAs,
// starting it on first use. It is another server than MySQL's, and it is
// always started from the installed binaries (EnvMySQLDSN is not used). It
// skips t (fails it when CI is set) if the binaries are missing.
func MySQLTLS(t testing.TB) *Server {
	t.Helper()
	return mysqlTLSServer.get(t, startMySQLTLS)
}

// PostgresTLS returns a shared throwaway PostgreSQL with ssl=on, its
// certificate signed by the CA in RootCAs, on which every user but the
// admin must log in over TLS (pg_hba.conf has hostssl lines for them and
// rejects them without TLS). Like MySQLTLS, it is always a throwaway.
func PostgresTLS(t testing.TB) *Server {
	t.Helper()
	return postgresTLSServer.get(t, startPostgresTLS)
}

// RootCAs returns a pool holding the CA that signed the server's
// certificate, or nil for a server without TLS.
func (s *Server) RootCAs() *x509.CertPool { return s.rootCAs }

// RootCAPEM is RootCAs as a PEM file's contents, for clients configured
// with a CA file; nil for a server without TLS.
func (s *Server) RootCAPEM() []byte { return s.caPEM }

// UntrustedRootCAs returns a pool holding a new CA that signed no server's
// certificate: a client verifying against it must refuse every server.
func UntrustedRootCAs(t testing.TB) *x509.CertPool {
	t.Helper()
	ca, err := newCA()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return ca.pool
}

// UntrustedCAPEM is UntrustedRootCAs as a PEM file's contents.
func UntrustedCAPEM(t testing.TB) []byte {
	t.Helper()
	ca, err := newCA()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.der})
}

// tlsFiles are the PEM files a TLS server is started with, and the pool
// that verifies its certificate.
type tlsFiles struct {
	cert, key, ca []byte
	pool          *x509.CertPool
}

func startMySQLTLS() (*Server, error) {
	server, install, err := findMariaDB()
	if err != nil {
		return nil, err
	}
	files, err := newServerTLS()
	if err != nil {
		return nil, err
	}
	return launchMariaDB(server, install, files)
}

func startPostgresTLS() (*Server, error) {
	bin, err := findPostgres()
	if err != nil {
		return nil, err
	}
	files, err := newServerTLS()
	if err != nil {
		return nil, err
	}
	return launchPostgres(bin, files)
}

// mariadbTLSArgs writes the files into dir and returns the server's
// options that use them.
func mariadbTLSArgs(dir string, files *tlsFiles) ([]string, error) {
	if files == nil {
		return nil, nil
	}
	paths, err := files.write(dir, func(path string, data []byte) error { return os.WriteFile(path, data, 0o600) })
	if err != nil {
		return nil, err
	}
	return []string{"--ssl-cert=" + paths[0], "--ssl-key=" + paths[1], "--ssl-ca=" + paths[2]}, nil
}

// postgresTLSArgs writes the files, readable by the postgres OS user, and a
// pg_hba.conf that lets the admin in either way and everyone else only
// over TLS, and returns the server's options that use them.
func postgresTLSArgs(bin postgresBinaries, dir string, files *tlsFiles) ([]string, error) {
	if files == nil {
		return nil, nil
	}
	write := func(path string, data []byte) error { return bin.writeFile(path, string(data)) }
	paths, err := files.write(dir, write)
	if err != nil {
		return nil, err
	}
	hba := filepath.Join(dir, "pg_hba.conf")
	err = write(hba, []byte("host all postgres 127.0.0.1/32 scram-sha-256\n"+
		"hostssl all all 127.0.0.1/32 scram-sha-256\n"+
		"hostnossl all all 127.0.0.1/32 reject\n"))
	if err != nil {
		return nil, err
	}
	return []string{"-c", "ssl=on", "-c", "ssl_cert_file=" + paths[0], "-c", "ssl_key_file=" + paths[1],
		"-c", "hba_file=" + hba}, nil
}

// write stores the certificate, key and CA in dir and returns their paths.
func (f *tlsFiles) write(dir string, write func(path string, data []byte) error) ([]string, error) {
	var paths []string
	for _, file := range []struct {
		name string
		data []byte
	}{{"server-cert.pem", f.cert}, {"server-key.pem", f.key}, {"ca.pem", f.ca}} {
		path := filepath.Join(dir, file.name)
		if err := write(path, file.data); err != nil {
			return nil, fmt.Errorf("testdb: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// certAuthority is a CA made for one test binary.
type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	der  []byte
	pool *x509.CertPool
}

func newCA() (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "secretcache-go testdb CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &certAuthority{cert: cert, key: key, der: der, pool: pool}, nil
}

// newServerTLS makes a CA and a server certificate for 127.0.0.1 and
// localhost signed by it.
func newServerTLS() (*tlsFiles, error) {
	ca, err := newCA()
	if err != nil {
		return nil, fmt.Errorf("testdb: CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testdb: server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("testdb: server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("testdb: server key: %w", err)
	}
	return &tlsFiles{
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		ca:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.der}),
		pool: ca.pool,
	}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62)) // crypto/rand does not fail
	return n
}
