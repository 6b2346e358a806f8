package secretsmanagertest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/smithy-go"
)

// checks collects the ways one request breaks the constraints of the
// service's model (lengths, ranges, patterns, required members) and reports
// them as the service's request validation does: a single
// ValidationException whose message counts the problems and lists them, each
// naming the member by its path (clientRequestToken,
// rotationRules.automaticallyAfterDays, tags.1.member.key).
//
// The value of a member the model marks as sensitive (SecretString,
// SecretBinary, RotationToken) is never echoed, only its path; other values
// are, as AWS does.
type checks struct {
	problems []string
}

// fail records one problem with the member at path. value is nil for a
// member whose value must not be shown.
func (c *checks) fail(path string, value *string, constraint string) {
	shown := ""
	if value != nil {
		shown = " '" + *value + "'"
	}
	c.problems = append(c.problems, fmt.Sprintf(
		"Value%s at '%s' failed to satisfy constraint: Member must %s", shown, path, constraint))
}

// required records a missing member. Required members are checked before
// anything else is looked at.
func (c *checks) required(path string, present bool) {
	if !present {
		c.problems = append(c.problems, fmt.Sprintf(
			"Value null at '%s' failed to satisfy constraint: Member must not be null", path))
	}
}

// requiredString checks a required string member: an empty one counts as
// missing, since none of the model's required strings may be empty.
func (c *checks) requiredString(path, s string, min, max int) {
	if s == "" {
		c.required(path, false)
		return
	}
	c.length(path, &s, min, max)
}

// secretID checks the SecretId member most operations require.
func (c *checks) secretID(id string) { c.requiredString("secretId", id, 1, 2048) }

// token checks a ClientRequestToken.
func (c *checks) token(t *string) { c.length("clientRequestToken", t, 32, 64) }

// length checks a string member's length in characters, when it is set.
// A max of 0 means no upper bound.
func (c *checks) length(path string, s *string, min, max int) {
	c.lengthOf(path, s, min, max, false)
}

// sensitiveLength is length for a member whose value must not be echoed.
func (c *checks) sensitiveLength(path string, s *string, min, max int) {
	c.lengthOf(path, s, min, max, true)
}

func (c *checks) lengthOf(path string, s *string, min, max int, sensitive bool) {
	if s == nil {
		return
	}
	shown := s
	if sensitive {
		shown = nil
	}
	c.bounds(path, shown, utf8.RuneCountInString(*s), min, max, "length")
}

// blobLength checks a binary member's length in bytes, when it is set. Blobs
// the model allows are all sensitive, so the value is never shown.
func (c *checks) blobLength(path string, b []byte, min, max int) {
	if b == nil {
		return
	}
	c.bounds(path, nil, len(b), min, max, "length")
}

// count checks how many elements a list member has, when it is set.
func (c *checks) count(path string, n int, set bool, min, max int) {
	if set {
		c.bounds(path, nil, n, min, max, "length")
	}
}

// between checks a numeric member's value, when it is set.
func (c *checks) between(path string, v *int64, min, max int64) {
	if v == nil {
		return
	}
	shown := strconv.FormatInt(*v, 10)
	switch {
	case *v < min:
		c.fail(path, &shown, fmt.Sprintf("have value greater than or equal to %d", min))
	case *v > max:
		c.fail(path, &shown, fmt.Sprintf("have value less than or equal to %d", max))
	}
}

func (c *checks) bounds(path string, shown *string, n, min, max int, what string) {
	switch {
	case n < min:
		c.fail(path, shown, fmt.Sprintf("have %s greater than or equal to %d", what, min))
	case max > 0 && n > max:
		c.fail(path, shown, fmt.Sprintf("have %s less than or equal to %d", what, max))
	}
}

// pattern checks a string member against the model's regular expression,
// when it is set. source is the pattern as the model writes it, which is
// what the message quotes.
func (c *checks) pattern(path string, s *string, re *regexp.Regexp, source string) {
	if s != nil && !re.MatchString(*s) {
		c.fail(path, s, "satisfy regular expression pattern: "+source)
	}
}

// oneOf checks an enum member, when it is set.
func (c *checks) oneOf(path string, s *string, values ...string) {
	if s == nil {
		return
	}
	for _, v := range values {
		if *s == v {
			return
		}
	}
	c.fail(path, s, "satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// err returns the ValidationException for the problems found, or nil.
func (c *checks) err() error {
	switch n := len(c.problems); n {
	case 0:
		return nil
	case 1:
		return errValidation("1 validation error detected: " + c.problems[0])
	default:
		return errValidation(fmt.Sprintf("%d validation errors detected: %s", n, strings.Join(c.problems, "; ")))
	}
}

// errValidation is the service's answer to a request its model or its name
// rules refuse. ValidationException is not one of the errors the Secrets
// Manager model declares, so SDKs report it generically (in Go, a
// smithy.APIError whose ErrorCode is "ValidationException").
func errValidation(msg string) error {
	return &smithy.GenericAPIError{Code: "ValidationException", Message: msg, Fault: smithy.FaultClient}
}

// member returns the path of element i (0-based) of a list member, the way
// validation messages write it.
func member(list string, i int, field string) string {
	p := list + "." + strconv.Itoa(i+1) + ".member"
	if field != "" {
		p += "." + field
	}
	return p
}
