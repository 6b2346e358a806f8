package secretsmanagertest

import (
	"bytes"
	"io"
	"net/http"
)

// bufferedBodies is the transport of the HTTP client in Config. It hands
// net/http an in-memory copy of every request body, read before the request
// is sent.
//
// The SDK closes the request body it built as soon as the response headers
// arrive, and a body of its closed reports io.EOF as an error. net/http may
// still be reading that body then, to check that it holds no byte beyond
// its Content-Length; the error makes the transport close the connection
// under the response being read, and the call fails with "use of closed
// network connection". The SDK's default retryer retries such a call, but
// Config turns retries off so that call counts are exact. A copy the SDK
// does not own cannot be closed under net/http.
type bufferedBodies struct {
	next http.RoundTripper
}

// RoundTrip sends r with its body replaced by an in-memory copy. It closes
// r.Body, as a RoundTripper must, and does not modify r.
func (t bufferedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return t.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	if cerr := r.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	out := r.Clone(r.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(body)), nil
	}
	out.ContentLength = int64(len(body))
	return t.next.RoundTrip(out)
}

// CloseIdleConnections closes the idle connections of the transport below.
func (t bufferedBodies) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
