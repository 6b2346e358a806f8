package hook

// Tests of what AESGCM does with values it did not seal, or that were
// altered after it sealed them: each must be refused with an error, never
// opened to a wrong value, and the error must not reveal the secret.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretcache/secretcache-go/secretcache"
)

func TestAESGCMDetectsTampering(t *testing.T) {
	t.Parallel()
	h := newAESGCM(t)
	seal := func(version string) *Sealed {
		return h.Put(&secretsmanager.GetSecretValueOutput{
			Name:          aws.String("app/db"),
			VersionId:     aws.String(version),
			VersionStages: []string{"AWSCURRENT"},
			SecretString:  aws.String(plaintext),
		}).(*Sealed)
	}
	ns := h.aead.NonceSize()
	tests := []struct {
		name   string
		mutate func(s *Sealed)
	}{
		{"flipped nonce byte", func(s *Sealed) { s.blob[0] ^= 1 }},
		{"flipped ciphertext byte", func(s *Sealed) { s.blob[ns+2] ^= 0x80 }},
		{"flipped tag byte", func(s *Sealed) { s.blob[len(s.blob)-1] ^= 1 }},
		{"truncated by one", func(s *Sealed) { s.blob = s.blob[:len(s.blob)-1] }},
		{"truncated to the nonce", func(s *Sealed) { s.blob = s.blob[:ns] }},
		{"empty blob", func(s *Sealed) { s.blob = nil }},
		{"extended", func(s *Sealed) { s.blob = append(s.blob, 0) }},
		{"other version ID", func(s *Sealed) { s.versionID = "v2" }},
		{"other name", func(s *Sealed) { s.name = "app/other" }},
		{"other stages", func(s *Sealed) { s.stages = []string{"AWSPREVIOUS"} }},
		{"other created date", func(s *Sealed) { s.created = time.Unix(1, 0) }},
		{"blob moved from another version", func(s *Sealed) { s.blob = seal("v2").blob }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := seal("v1")
			tt.mutate(s)
			got := h.Get(s)
			if err, ok := got.(error); !ok || !errors.Is(err, ErrTampered) {
				t.Fatalf("got %T %v, want an error matching ErrTampered", got, got)
			}
			if strings.Contains(fmt.Sprint(got), plaintext) {
				t.Errorf("error %q reveals the secret", got)
			}
		})
	}
}

func TestAESGCMGetRejectsForeignValues(t *testing.T) {
	t.Parallel()
	h := newAESGCM(t)
	other := newAESGCM(t)
	in := &secretsmanager.GetSecretValueOutput{VersionId: aws.String("v1"), SecretString: aws.String(plaintext)}
	tests := []struct {
		name string
		data any
		want error
	}{
		{"sealed under another key", other.Put(in), ErrTampered},
		{"plain output", in, ErrNotSealed},
		{"nil", nil, ErrNotSealed},
		{"nil *Sealed", (*Sealed)(nil), ErrNotSealed},
		{"zero Sealed", &Sealed{}, ErrTampered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := h.Get(tt.data)
			if err, ok := got.(error); !ok || !errors.Is(err, tt.want) {
				t.Errorf("got %T %v, want an error matching %v", got, got, tt.want)
			}
		})
	}
}

func TestAESGCMPutRejectsOtherTypes(t *testing.T) {
	t.Parallel()
	h := newAESGCM(t)
	for _, data := range []any{nil, "a string", (*secretsmanager.GetSecretValueOutput)(nil), &Sealed{}} {
		t.Run(fmt.Sprintf("%T", data), func(t *testing.T) {
			t.Parallel()
			if got, ok := h.Put(data).(error); !ok {
				t.Errorf("got %T, want an error", got)
			}
		})
	}
}

// TestAESGCMErrorsReachTheCacheCaller checks that a bad sealed value turns
// into a *secretcache.HookError from the cache, not a panic or a wrong value.
func TestAESGCMErrorsReachTheCacheCaller(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup returns the hook for the cache and a function that spoils
		// what the cache stored after the first read.
		setup func(t *testing.T) (secretcache.CacheHook, func())
	}{
		{"flipped byte", func(t *testing.T) (secretcache.CacheHook, func()) {
			rec := &recorder{}
			return Chain(newAESGCM(t), rec), func() { rec.sealed(t).blob[5] ^= 1 }
		}},
		{"truncated", func(t *testing.T) (secretcache.CacheHook, func()) {
			rec := &recorder{}
			return Chain(newAESGCM(t), rec), func() { s := rec.sealed(t); s.blob = s.blob[:len(s.blob)/2] }
		}},
		{"foreign key", func(t *testing.T) (secretcache.CacheHook, func()) {
			sealer, opener := newAESGCM(t), newAESGCM(t)
			return Funcs{PutFunc: sealer.Put, GetFunc: opener.Get}, func() {}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, spoil := tt.setup(t)
			c, srv := newCache(t, h)
			if _, err := srv.CreateSecret("app/db", plaintext); err != nil {
				t.Fatal(err)
			}
			first, firstErr := c.GetSecretString("app/db")
			if firstErr == nil {
				spoil()
			}
			got, err := c.GetSecretString("app/db")
			if firstErr != nil {
				err = firstErr // the foreign key fails on the very first read
			}
			var hookErr *secretcache.HookError
			if !errors.As(err, &hookErr) || !errors.Is(err, ErrTampered) {
				t.Fatalf("got %q, %v; want a *secretcache.HookError matching ErrTampered", got, err)
			}
			if got != "" || strings.Contains(err.Error(), plaintext) {
				t.Errorf("got %q, %q; want no value and no secret in the error", got, err)
			}
			if first != "" && first != plaintext {
				t.Errorf("first read: got %q, want %q", first, plaintext)
			}
		})
	}
}
