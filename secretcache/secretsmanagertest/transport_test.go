package secretsmanagertest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// sdkBody is a request body like the SDK's: once closed, it reports io.EOF
// as an error from WriteTo, as the SDK's body does.
type sdkBody struct {
	mu     sync.Mutex
	r      *strings.Reader
	closed bool
}

func (b *sdkBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.Read(p)
}

func (b *sdkBody) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.WriteTo(w)
}

func (b *sdkBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The body net/http sends survives the SDK closing its own, which it does
// as soon as the response arrives: reading the rest of it, and checking it
// for trailing bytes with WriteTo, succeed after that Close.
func TestBufferedBodiesSurviveTheSDKClosingItsBody(t *testing.T) {
	const payload = `{"PasswordLength":4096,"IncludeSpace":true}`
	body := &sdkBody{r: strings.NewReader(payload)}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(payload))

	var sent *http.Request
	rt := bufferedBodies{next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	})}
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	_ = body.Close() // what the SDK does once the response is in

	if sent == req || sent.Body == req.Body {
		t.Fatal("the request sent is the caller's, with the caller's body")
	}
	if !body.closed {
		t.Error("RoundTrip left the caller's body open")
	}
	if sent.ContentLength != int64(len(payload)) {
		t.Errorf("ContentLength = %d, want %d", sent.ContentLength, len(payload))
	}
	var got bytes.Buffer
	if _, err := io.Copy(&got, sent.Body); err != nil {
		t.Fatalf("reading the body sent after the SDK closed its own: %v", err)
	}
	if got.String() != payload {
		t.Errorf("body sent = %q, want %q", got.String(), payload)
	}
	again, err := sent.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(again); string(b) != payload {
		t.Errorf("GetBody = %q, want %q", b, payload)
	}
}

// A request without a body goes through untouched.
func TestBufferedBodiesPassBodilessRequests(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	if err != nil {
		t.Fatal(err)
	}
	var sent *http.Request
	rt := bufferedBodies{next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	})}
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if sent != req {
		t.Error("a request without a body was copied")
	}
}
