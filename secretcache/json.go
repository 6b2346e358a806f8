package secretcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// GetSecretJSON decodes the SecretString of the configured stage of secretID
// into v, a pointer to a struct, map or other type encoding/json accepts.
// Each call decodes anew, so v may be modified freely.
//
// A decoding error is a *JSONError, which names the secret and the failing
// field or offset but never quotes the secret, unlike encoding/json's errors.
func (c *Cache) GetSecretJSON(ctx context.Context, secretID string, v any) error {
	s, err := c.GetSecretStringWithContext(ctx, secretID)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return redactJSON(secretID, err)
	}
	return nil
}

// JSONError reports a secret that could not be decoded as JSON into the
// requested type.
type JSONError struct {
	// SecretID is the secret that failed to decode.
	SecretID string
	// Field is the dotted path of the field whose type did not match, if
	// known.
	Field string
	// Offset is the byte offset in the secret where decoding failed, if
	// known.
	Offset int64
	// Problem says what went wrong, without quoting the secret.
	Problem string
}

// Error names the secret, the problem and where it is, never the secret.
func (e *JSONError) Error() string {
	msg := fmt.Sprintf("secretcache: secret %q: %s", e.SecretID, e.Problem)
	if e.Field != "" {
		msg += fmt.Sprintf(" (field %q)", e.Field)
	}
	if e.Offset > 0 {
		msg += fmt.Sprintf(" (at byte %d)", e.Offset)
	}
	return msg
}

// redactJSON replaces encoding/json's errors, whose text can include a
// fragment of the input (a syntax error quotes the offending character, a
// type error the offending number), with one that holds no secret material.
func redactJSON(id string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var target *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &syntax):
		return &JSONError{SecretID: id, Offset: syntax.Offset, Problem: "not valid JSON"}
	case errors.As(err, &typ):
		return &JSONError{SecretID: id, Field: typ.Field, Offset: typ.Offset,
			Problem: "JSON " + jsonKind(typ.Value) + " cannot be stored in Go type " + typ.Type.String()}
	case errors.As(err, &target):
		return target // names only the Go type given
	default:
		return &JSONError{SecretID: id, Problem: "cannot decode JSON"}
	}
}

// jsonKind keeps the kind from UnmarshalTypeError.Value ("number 42" → "number").
func jsonKind(v string) string {
	for i := range len(v) {
		if v[i] == ' ' {
			return v[:i]
		}
	}
	return v
}
