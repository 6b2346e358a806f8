package secretsmanagertest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// contentType is what the SDK sends and expects back for AWS JSON 1.1.
const contentType = "application/x-amz-json-1.1"

// epochTime marshals as a JSON number of seconds since the Unix epoch,
// the only timestamp form the SDK accepts from this protocol. Milliseconds
// are kept so that ordering by date is observable in tests.
type epochTime time.Time

func (t epochTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// epoch returns nil for the zero time so that omitempty drops dates that
// never happened (a secret never rotated has no LastRotatedDate).
func epoch(t time.Time) *epochTime {
	if t.IsZero() {
		return nil
	}
	e := epochTime(t)
	return &e
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own response types reach here; failing to encode them is
		// a bug in this package, reported the way AWS reports its own.
		status = http.StatusInternalServerError
		body = []byte(`{"__type":"InternalServiceError","Message":"secretsmanagertest: encoding response failed"}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// newUUID returns a random (version 4) UUID, the shape of AWS version IDs
// and of the SDK's own idempotency tokens.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
