package rotation

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
)

// scramIterations is PostgreSQL's default iteration count.
const scramIterations = 4096

// errNotPrintable refuses a password scramVerifier cannot hash as the
// server would.
var errNotPrintable = errors.New("rotation: a PostgreSQL password must be printable ASCII (what GetRandomPassword makes), so that it can be sent as a SCRAM verifier")

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (RFC 5802, RFC 7677, in PostgreSQL's text form), as libpq's
// PQencryptPasswordConn and psql's \password compute it: the server then
// never sees the password, and no log of the statement can show it.
// PostgreSQL prepares passwords with SASLprep, which leaves printable ASCII
// unchanged; other passwords are refused rather than hashed differently.
func scramVerifier(password string) (string, error) {
	for i := 0; i < len(password); i++ {
		if password[i] < 0x20 || password[i] > 0x7e {
			return "", errNotPrintable
		}
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	return scramVerifierWith(password, salt, scramIterations)
}

func scramVerifierWith(password string, salt []byte, iterations int) (string, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	server := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return "SCRAM-SHA-256$" + strconv.Itoa(iterations) + ":" + b64(salt) + "$" + b64(stored[:]) + ":" + b64(server), nil
}
