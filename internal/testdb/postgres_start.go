package testdb

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
)

// postgresBinaries are the PostgreSQL programs and the OS identity to run
// them with.
type postgresBinaries struct {
	initdb, postgres string
	cred             *syscall.Credential // the postgres OS user when we are root; nil otherwise
}

// startPostgres returns the server named by EnvPostgresDSN, or else starts a
// throwaway PostgreSQL.
func startPostgres() (*Server, error) {
	if dsn := os.Getenv(EnvPostgresDSN); dsn != "" {
		return postgresFromEnv(dsn)
	}
	bin, err := findPostgres()
	if err != nil {
		return nil, err
	}
	return launchPostgres(bin, nil)
}

// findPostgres picks the newest /usr/lib/postgresql/<version>/bin (Debian's
// layout, where the binaries are not in PATH), else initdb from PATH. initdb
// refuses to run as root, so root runs everything as the postgres OS user.
func findPostgres() (postgresBinaries, error) {
	var bin postgresBinaries
	unavailable := func(missing string) error {
		return &unavailableError{engine: "PostgreSQL", envVar: EnvPostgresDSN, missing: missing}
	}
	if dir := newestPostgresBinDir(); dir != "" {
		bin.initdb, bin.postgres = filepath.Join(dir, "initdb"), filepath.Join(dir, "postgres")
	} else if path, err := exec.LookPath("initdb"); err == nil {
		bin.initdb, bin.postgres = path, filepath.Join(filepath.Dir(path), "postgres")
	} else {
		return bin, unavailable("initdb is neither in /usr/lib/postgresql/*/bin nor in PATH")
	}
	if _, err := os.Stat(bin.postgres); err != nil {
		return bin, unavailable("there is no postgres next to " + bin.initdb)
	}
	if os.Geteuid() != 0 {
		return bin, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return bin, unavailable("there is no OS user postgres to run initdb as (it refuses to run as root)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	bin.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
	return bin, nil
}

// newestPostgresBinDir returns the bin directory of the highest major version
// under /usr/lib/postgresql that has initdb, or "".
func newestPostgresBinDir() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	version := func(path string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(path))), 64)
		return v
	}
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[0])
}

// launchPostgres runs initdb with scram-sha-256 for every connection and a
// random superuser password, then starts postgres on a free port of
// 127.0.0.1, with TLS when files is not nil. postgres runs in the
// foreground (not through pg_ctl, which would detach it) so that it is our
// child: reaped, and killed if we die.
func launchPostgres(bin postgresBinaries, files *tlsFiles) (_ *Server, err error) {
	dir, err := os.MkdirTemp("", "testdb-pg-")
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	defer func() {
		if err != nil {
			removeDir(dir)
		}
	}()
	if err := bin.chown(dir); err != nil {
		return nil, err
	}

	password := randomPassword()
	pwfile := filepath.Join(dir, "pwfile")
	if err := bin.writeFile(pwfile, password+"\n"); err != nil {
		return nil, err
	}
	cmd := bin.command(dir, bin.initdb, "--pgdata="+filepath.Join(dir, "data"),
		"--auth=scram-sha-256", "--username=postgres", "--pwfile="+pwfile,
		"--encoding=UTF8", "--no-locale", "--no-sync")
	err = runTool(cmd, startTimeout, password)
	_ = os.Remove(pwfile)
	if err != nil {
		return nil, err
	}

	tlsArgs, err := postgresTLSArgs(bin, dir, files)
	if err != nil {
		return nil, err
	}
	s, err := retryOnExit(func() (*Server, error) { return startPostmaster(bin, dir, password, tlsArgs...) })
	if err != nil {
		return nil, err
	}
	if files != nil {
		s.rootCAs = files.pool
		s.caPEM = files.ca
	}
	return s, nil
}

// startPostmaster starts the server once and waits until the admin can log
// in. extra are more server options.
func startPostmaster(bin postgresBinaries, dir, password string, extra ...string) (_ *Server, err error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// Durability is worthless for a throwaway server, and costs start-up time.
	args := append([]string{"-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"}, extra...)
	cmd := bin.command(dir, bin.postgres, args...)
	logPath := filepath.Join(dir, "server.log")
	proc, err := startProcess("postgres", cmd, logPath)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			proc.stop(syscall.SIGKILL, 0)
		}
	}()

	s := &Server{Engine: EnginePostgres, Host: "127.0.0.1", Port: port,
		dialect: postgresDialect{base: url.URL{Scheme: "postgres", Host: "127.0.0.1:" + strconv.Itoa(port),
			RawQuery: "sslmode=disable"}},
		adminUser: "postgres", adminPassword: newSecret(password), proc: proc, dir: dir}
	if err := s.openStarted("postgres"); err != nil {
		return nil, err
	}
	return s, nil
}

// command runs name as the postgres OS user when we are root, in dir.
func (bin postgresBinaries) command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir // the postgres user may not be allowed into our working directory
	if bin.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: bin.cred}
		// Keep HOME and USER from pointing at root's.
		cmd.Env = append(os.Environ(), "HOME="+dir, "USER=postgres", "LOGNAME=postgres")
	}
	return cmd
}

// writeFile writes a private file that the postgres OS user can read.
func (bin postgresBinaries) writeFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("testdb: %w", err)
	}
	return bin.chown(path)
}

// chown gives path to the postgres OS user when we are root.
func (bin postgresBinaries) chown(path string) error {
	if bin.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(bin.cred.Uid), int(bin.cred.Gid)); err != nil {
		return fmt.Errorf("testdb: %w", err)
	}
	return nil
}
