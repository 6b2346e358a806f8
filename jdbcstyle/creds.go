package jdbcstyle

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"errors"

	"github.com/secretcache/secretcache-go/internal/dbsecret"
	"github.com/secretcache/secretcache-go/secretcache"
)

// template is what a Connector keeps of one secret version between
// connects: everything a login needs but, when the cache has a hook such as
// hook.AESGCM, the password. That is read from the cache for each login
// (decrypted for that call) and handed to the driver's copy of its config,
// so that the Connector holds no plaintext password or secret JSON while no
// Connect runs.
type template struct {
	version  string           // the version's VersionId (see versionKey)
	username string           // compared across versions by the ladder
	addr     address          // where it logs in, DSN overrides applied; compared likewise
	conn     driver.Connector // the underlying driver's connector, without a password
	// password is kept only when the cache has no hook: the cache then
	// holds the secret in clear anyway, and keeping it spares a JSON
	// decode per Connect. With a hook it is "" and read per login.
	password string
}

// creds are a template and the password of one login.
type creds struct {
	*template
	stage    string // the staging label the version was read under
	password string // dropped with the attempt that used it
}

// resolve reads the version of the secret labelled stage from the cache and
// returns its credentials, building a template only when the version is not
// the one last seen for that stage.
func (c *Connector) resolve(ctx context.Context, cache *secretcache.Cache, stage string) (creds, error) {
	raw, v, err := cache.GetSecretStringVersion(ctx, c.cfg.SecretID, stage)
	if err != nil {
		return creds{}, &ConnectError{SecretID: c.cfg.SecretID, Stage: stage, Err: err}
	}
	slot := &c.templates[stageIndex(stage)]
	key := versionKey(v, raw)
	if t := slot.Load(); t != nil && t.version == key {
		if t.password != "" {
			return creds{template: t, stage: stage, password: t.password}, nil
		}
		pw, err := secretPassword(raw)
		if err != nil {
			return creds{}, &ConnectError{SecretID: c.cfg.SecretID, Stage: stage, Err: err}
		}
		return creds{template: t, stage: stage, password: pw}, nil
	}
	t, pw, err := c.build(raw, key)
	if err != nil {
		return creds{}, &ConnectError{SecretID: c.cfg.SecretID, Stage: stage, Err: err}
	}
	if cache.Hook == nil {
		t.password = pw
	}
	slot.Store(t)
	return creds{template: t, stage: stage, password: pw}, nil
}

// versionKey identifies a version: its VersionId, or, from a client that
// gives none, a hash of the secret string (never the string itself).
func versionKey(v secretcache.Version, raw string) string {
	if v.VersionID != "" {
		return v.VersionID
	}
	sum := sha256.Sum256([]byte(raw))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func stageIndex(stage string) int {
	switch stage {
	case stagePending:
		return 1
	case stagePrevious:
		return 2
	}
	return 0
}

// build parses a secret string, applies the DSN overrides and builds the
// version's template.
func (c *Connector) build(raw, version string) (*template, string, error) {
	s, err := ParseSecret([]byte(raw))
	if err != nil {
		return nil, "", err
	}
	if !c.engine.accepts(s.Engine) {
		return nil, "", errors.New("jdbcstyle: the secret is for engine " + s.Engine + ", not " + c.engine.String())
	}
	a := address{host: s.Host, port: s.Port, dbname: s.DBName}
	if c.cfg.Host != "" {
		a.host = c.cfg.Host
	}
	if c.cfg.Port != 0 {
		a.port = c.cfg.Port
	}
	if c.cfg.DBName != "" {
		a.dbname = c.cfg.DBName
	}
	if a.host == "" {
		return nil, "", errors.New("jdbcstyle: no host: the secret has none (RDS-managed secrets hold only username and password), add a host param to the DSN")
	}
	if a.port == 0 {
		a.port = c.engine.defaultPort()
	}
	conn, err := c.drv.template(a, s.Username)
	if err != nil {
		return nil, "", err
	}
	return &template{version: version, username: s.Username, addr: a, conn: conn}, string(s.Password), nil
}

// secretPassword reads the password of a secret whose version already has
// a template, so the rest of it was checked by ParseSecret. It decodes the
// keys as ParseSecret does, matching "password" exactly.
func secretPassword(raw string) (string, error) {
	pw, err := dbsecret.Password([]byte(raw))
	var e *dbsecret.Error
	if errors.As(err, &e) {
		return "", &SecretError{Key: e.Key, Problem: e.Problem}
	}
	return pw, err
}
