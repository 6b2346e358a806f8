package jdbcstyle

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// redacted is what every formatting of a Password prints.
const redacted = "[REDACTED]"

// Password is a database password read from a secret. Its String, GoString,
// Format, MarshalJSON and LogValue methods all print [REDACTED], so a Secret
// (or a Password) that ends up in a log line, a %+v or a JSON document never
// shows the password. Convert it with string(p) only where the driver needs
// it.
type Password string

// String returns [REDACTED], never the password.
func (Password) String() string { return redacted }

// GoString returns a Go-syntax placeholder for %#v, never the password.
func (Password) GoString() string { return `jdbcstyle.Password("` + redacted + `")` }

// Format implements fmt.Formatter so that every verb, including %x, %q and
// %d, prints the placeholder: without it, a verb that fmt does not route to
// String (such as %x on the underlying string) would print the password.
func (p Password) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, p.GoString())
	case verb == 'q':
		_, _ = io.WriteString(f, strconv.Quote(redacted))
	default:
		_, _ = io.WriteString(f, redacted)
	}
}

// MarshalJSON encodes the placeholder, so that structured loggers and
// debugging dumps that marshal a Secret do not copy the password. It is
// deliberately not the inverse of decoding: a Secret is read with
// ParseSecret, never written back.
func (Password) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(redacted)), nil
}

// LogValue implements slog.LogValuer with the placeholder.
func (Password) LogValue() slog.Value { return slog.StringValue(redacted) }
