package rotation

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretcache/secretcache-go/secretcache/secretsmanagertest"
)

// Environment variables of TestSameTablesAsAWSTemplates.
const (
	// envTemplates names a copy of aws-samples/aws-secrets-manager-rotation-lambdas,
	// whose MySQL and PostgreSQL templates the test runs. The module does not
	// ship AWS's code, so the test is skipped without it.
	envTemplates = "SECRETCACHE_AWS_ROTATION_TEMPLATES"
	// envPython is the interpreter to run them with, which needs boto3,
	// pymysql and PyGreSQL (Debian: python3-boto3, python3-pymysql,
	// python3-pygresql); python3 by default.
	envPython = "SECRETCACHE_AWS_ROTATION_PYTHON"
)

// templateCase is an AWS template, the case it is compared with, and the
// engine key of its secrets.
type templateCase struct {
	dir    string
	c      dbCase
	engine string
}

// templateCases are AWS's templates for MySQL, MariaDB and PostgreSQL; the
// MariaDB ones run on the MySQL server, with secrets whose engine is
// mariadb.
var templateCases = []templateCase{
	{"SecretsManagerRDSMySQLRotationSingleUser", dbCases[0], "mysql"},
	{"SecretsManagerRDSMySQLRotationMultiUser", dbCases[1], "mysql"},
	{"SecretsManagerRDSMariaDBRotationSingleUser", dbCases[0], "mariadb"},
	{"SecretsManagerRDSMariaDBRotationMultiUser", dbCases[1], "mariadb"},
	{"SecretsManagerRDSPostgreSQLRotationSingleUser", dbCases[2], "postgres"},
	{"SecretsManagerRDSPostgreSQLRotationMultiUser", dbCases[3], "postgres"},
}

// TestSameTablesAsAWSTemplates runs AWS's Python template of each case and
// then the Go strategy, each on a fresh user and secret on the same servers
// and emulator, through two rotations stopped around every step, and
// checks that after each step the same versions log in. The secrets say
// "ssl": false, which the templates read (and the Go strategy, configured
// with TLSDisable here, ignores), and the MySQL user exists for host '%'
// only, the one account AWS's alternating-users template copies.
func TestSameTablesAsAWSTemplates(t *testing.T) {
	dir := os.Getenv(envTemplates)
	if dir == "" {
		t.Skip(envTemplates + " is not set: AWS's templates are not available")
	}
	python := cmp.Or(os.Getenv(envPython), "python3")
	t.Parallel()
	for _, tc := range templateCases {
		c := tc.c
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			tables := map[string][]string{}
			for _, impl := range []string{"AWS's template", "Go"} {
				e := newDBEnv(t, c, withKeys(map[string]any{"ssl": false, "engine": tc.engine}), anyHostOnly)
				if impl != "Go" {
					e.mu.Lock()
					e.impl = pythonRotation(python, filepath.Join(dir, tc.dir), e.sm.URL)
					e.mu.Unlock()
				}
				tables[impl] = e.tablesOfTwoRotations()
			}
			aws, golang := tables["AWS's template"], tables["Go"]
			if strings.Join(aws, "\n") != strings.Join(golang, "\n") {
				t.Errorf("C P PREVIOUS after each step:\nAWS's template:\n%s\nGo:\n%s", strings.Join(aws, "\n"), strings.Join(golang, "\n"))
			}
			for _, line := range golang {
				point, table, _ := strings.Cut(line, ": ")
				if want, ok := wantTables[c.scheme][point]; ok && table != want {
					t.Errorf("%s: %s, want %s", point, table, want)
				}
			}
		})
	}
}

// tablesOfTwoRotations rotates twice, stopping around each step, and
// returns "<rotation> <point>: <table>" for every point.
func (e *dbEnv) tablesOfTwoRotations() []string {
	t := e.t.(*testing.T)
	g := newGate()
	e.setWrap(g.wrap)
	var lines []string
	for round := 1; round <= 2; round++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := e.start(ctx); err != nil {
			t.Fatalf("RotateSecret: %v", err)
		}
		for _, step := range steps {
			for _, when := range []string{"before", "after"} {
				point := when + " " + string(step)
				g.next(t, point)
				lines = append(lines, fmt.Sprint(round, " ", point, ": ", e.table()))
				g.resume <- struct{}{}
			}
		}
		if err := e.sm.WaitRotation(ctx, e.arn); err != nil {
			t.Fatalf("rotation %d: %v", round, err)
		}
	}
	return lines
}

// pythonRunner invokes the template's lambda_handler with the event on
// stdin, as Lambda's Python runtime does.
const pythonRunner = `
import json, sys
import lambda_function
lambda_function.lambda_handler(json.load(sys.stdin), None)
`

// pythonRotation runs the Python rotation function in dir, one process
// per step as Lambda runs one invocation per step, against the emulator at
// endpoint.
func pythonRotation(python, dir, endpoint string) secretsmanagertest.RotationFunc {
	return func(ctx context.Context, req secretsmanagertest.RotationRequest) error {
		event, err := json.Marshal(req)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, python, "-c", pythonRunner)
		cmd.Dir = dir
		cmd.Stdin = bytes.NewReader(event)
		cmd.Env = append(os.Environ(),
			"SECRETS_MANAGER_ENDPOINT="+endpoint,
			"AWS_DEFAULT_REGION="+secretsmanagertest.Region,
			"AWS_ACCESS_KEY_ID=AKIDTEMPLATE", "AWS_SECRET_ACCESS_KEY=template",
			// The MySQL alternating-users template defaults to MySQL 5.6's
			// 16; the Go strategy's default is 32 (MySQL 5.7.8 and later).
			"USERNAME_CHARACTER_LIMIT=32")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w\n%s", req.Step, err, out.Bytes())
		}
		return nil
	}
}
