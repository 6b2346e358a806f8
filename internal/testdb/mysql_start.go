package testdb

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// startTimeout bounds a throwaway server's start, initialisation included.
const startTimeout = 90 * time.Second

// startMySQL returns the server named by EnvMySQLDSN, or else starts a
// throwaway MariaDB.
func startMySQL() (*Server, error) {
	if dsn := os.Getenv(EnvMySQLDSN); dsn != "" {
		return mysqlFromEnv(dsn)
	}
	server, install, err := findMariaDB()
	if err != nil {
		return nil, err
	}
	return launchMariaDB(server, install, nil)
}

// findMariaDB looks for the server and the tool that creates a data
// directory, in PATH and in /usr/sbin (which is not in every PATH).
func findMariaDB() (server, install string, err error) {
	server = findBinary([]string{"mariadbd", "mysqld"}, "/usr/sbin", "/usr/libexec")
	install = findBinary([]string{"mariadb-install-db", "mysql_install_db"}, "/usr/bin", "/usr/scripts")
	var missing []string
	if server == "" {
		missing = append(missing, "neither mariadbd nor mysqld is in PATH or /usr/sbin")
	}
	if install == "" {
		missing = append(missing, "neither mariadb-install-db nor mysql_install_db is in PATH")
	}
	if len(missing) > 0 {
		return "", "", &unavailableError{engine: "MySQL/MariaDB", envVar: EnvMySQLDSN, missing: strings.Join(missing, " and ")}
	}
	return server, install, nil
}

// findBinary returns the first of names found in PATH or in dirs.
func findBinary(names []string, dirs ...string) string {
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
		for _, dir := range dirs {
			path := filepath.Join(dir, name)
			if info, err := os.Stat(path); err == nil && info.Mode()&0o111 != 0 {
				return path
			}
		}
	}
	return ""
}

// launchMariaDB creates a data directory and starts the server on a free
// port of 127.0.0.1, with TLS when files is not nil. Only MariaDB 10.4 or
// later is supported (mysql.global_priv); for Oracle MySQL, use EnvMySQLDSN.
func launchMariaDB(server, install string, files *tlsFiles) (_ *Server, err error) {
	dir, err := os.MkdirTemp("", "testdb-mysql-")
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	defer func() {
		if err != nil {
			removeDir(dir)
		}
	}()
	root := os.Geteuid() == 0
	// The installer's server gets a temporary directory of its own: a
	// server starting elsewhere removes the "#sql" files it finds in its
	// temporary directory, and with the default, /tmp, that was this
	// installer's tables whenever tests start servers in parallel.
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"), "--tmpdir=" + dir,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"}
	if root {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(install, args...)
	cmd.Dir = dir
	if err := runTool(cmd, startTimeout); err != nil {
		return nil, err
	}

	password := randomPassword()
	initFile := filepath.Join(dir, "init.sql")
	if err := os.WriteFile(initFile, []byte(mariadbInitSQL(password)), 0o600); err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	tlsArgs, err := mariadbTLSArgs(dir, files)
	if err != nil {
		return nil, err
	}
	s, err := retryOnExit(func() (*Server, error) { return startMariaDB(server, dir, initFile, password, root, tlsArgs...) })
	if err != nil {
		return nil, err
	}
	_ = os.Remove(initFile) // it holds the admin password
	if files != nil {
		s.rootCAs = files.pool
		s.caPEM = files.ca
	}
	return s, nil
}

// mariadbInitSQL runs at server start, before any client connects: it
// removes the password-less accounts the installer made and creates the
// admin account.
func mariadbInitSQL(password string) string {
	return strings.Join([]string{
		"DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');",
		"FLUSH PRIVILEGES;",
		"ALTER USER 'root'@'localhost' IDENTIFIED BY '" + password + "';",
		"CREATE USER 'admin'@'%' IDENTIFIED BY '" + password + "', 'admin'@'localhost' IDENTIFIED BY '" + password + "';",
		"GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%', 'admin'@'localhost' WITH GRANT OPTION;",
		"",
	}, "\n")
}

// startMariaDB starts the server once and waits until the admin can log in.
// extra are more server options.
func startMariaDB(server, dir, initFile, password string, root bool, extra ...string) (_ *Server, err error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"--no-defaults",
		"--datadir=" + filepath.Join(dir, "data"),
		"--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(dir, "mysqld.sock"),
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"),
		"--tmpdir=" + dir,
		"--init-file=" + initFile,
		"--skip-name-resolve",
		"--skip-log-bin",
		"--max-connections=500",
		"--innodb-buffer-pool-size=32M",
		"--innodb-flush-log-at-trx-commit=0",
	}
	if root {
		args = append(args, "--user=root")
	}
	args = append(args, extra...)
	cmd := exec.Command(server, args...)
	cmd.Dir = dir
	proc, err := startProcess(filepath.Base(server), cmd, filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			proc.stop(syscall.SIGKILL, 0)
		}
	}()

	base := mysql.NewConfig()
	base.Net, base.Addr = "tcp", "127.0.0.1:"+strconv.Itoa(port)
	s := &Server{Engine: EngineMySQL, Host: "127.0.0.1", Port: port,
		dialect: mysqlDialect{base: base}, adminUser: "admin", adminPassword: newSecret(password), proc: proc, dir: dir}
	if err := s.openStarted(""); err != nil {
		return nil, err
	}
	return s, nil
}
