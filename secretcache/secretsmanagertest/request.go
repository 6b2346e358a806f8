package secretsmanagertest

import (
	"context"
	"net/http"
	"strings"
)

// regionKey keys the region of the request being served in its context.
type regionKey struct{}

// requestRegion returns the region a request is signed for: the third
// field of its SigV4 credential scope (AKID/date/region/service/aws4_request),
// from the Authorization header or, for a presigned request, the
// X-Amz-Credential query parameter. It returns "" for an unsigned request.
func requestRegion(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, after, found := strings.Cut(auth, "Credential=")
		if !found {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	}
	f := strings.Split(strings.TrimSpace(cred), "/")
	if len(f) != 5 || f[2] == "" {
		return ""
	}
	return f[2]
}

// withRegion returns ctx carrying the region a request is served in.
func withRegion(ctx context.Context, region string) context.Context {
	return context.WithValue(ctx, regionKey{}, region)
}

// regionOf returns the region of the request ctx belongs to, or the
// server's own region for the Go-side helpers and unsigned requests.
func (s *Server) regionOf(ctx context.Context) string {
	if r, ok := ctx.Value(regionKey{}).(string); ok && r != "" {
		return r
	}
	return s.cfg.region
}

// secretIDInput is the request of the operations whose only member is the
// SecretId.
type secretIDInput struct {
	SecretID string `json:"SecretId"`
}

// openSecret begins an operation on one secret with the errors in the
// order the service gives them: the ValidationException for the problems c
// found in the request, then the error of find for the secret that id
// names in the request's region (see store.lockSecret, whose unlock it
// returns).
func (s *Server) openSecret(ctx context.Context, c *checks, id string, find finder) (sec *secret, unlock func(), err error) {
	if err := c.err(); err != nil {
		return nil, nil, err
	}
	return s.store.lockSecret(s.regionOf(ctx), id, find)
}

// openSecretID is openSecret for the requests whose only member is the
// SecretId.
func (s *Server) openSecretID(ctx context.Context, in *secretIDInput, find finder) (sec *secret, unlock func(), err error) {
	var c checks
	c.secretID(in.SecretID)
	return s.openSecret(ctx, &c, in.SecretID, find)
}
