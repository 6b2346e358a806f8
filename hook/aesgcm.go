package hook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// KeySize is the length in bytes of the AES-256 key NewAESGCM accepts.
const KeySize = 32

// ErrTampered is what AESGCM.Get returns, wrapped, for a sealed value that
// fails authentication: altered, truncated, paired with the metadata of
// another version, or sealed under another key.
var ErrTampered = errors.New("hook: sealed secret failed authentication")

// ErrNotSealed is what AESGCM.Get returns, wrapped, when given anything but a
// *Sealed, typically because another hook in a Chain changed what the cache
// stores.
var ErrNotSealed = errors.New("hook: value is not a *hook.Sealed")

// Layout of the plaintext that gets sealed: a flags byte saying which of the
// two secret fields are present, then the string's length and bytes, then
// the binary's bytes. Both fields fit in one blob so that the hook is lossless
// for any GetSecretValueOutput, not only the one-field ones the cache passes.
const (
	hasString byte = 1 << iota
	hasBinary
)

// aadLabel starts the additional data so that a blob sealed by this hook
// cannot be confused with one sealed under the same key for another purpose.
const aadLabel = "github.com/secretcache/secretcache-go/hook.AESGCM v1\x00"

// scratch holds buffers for Get's additional data and plaintext, so that a
// hit allocates only what it hands back. The plaintext is zeroed before a
// buffer returns to the pool.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// AESGCM is a secretcache.CacheHook that keeps each cached secret sealed
// with AES-256-GCM: Put encrypts, Get decrypts for one call. See the package
// documentation for what that protects against and what it does not.
// An AESGCM is safe for concurrent use.
type AESGCM struct {
	aead cipher.AEAD // read-only after NewAESGCM
}

// Sealed is what AESGCM.Put returns and the cache stores for one secret
// version: the version's metadata in clear and its secret encrypted. The
// metadata is authenticated with the secret (as GCM additional data), so
// neither can be changed or swapped for another version's without Get
// failing.
type Sealed struct {
	arn, name, versionID string
	stages               []string
	created              time.Time
	// blob is nonce || AES-GCM(flags || uvarint len || string || binary).
	// It is never stored to disk, so it carries no format version: the
	// label in the additional data covers that.
	blob []byte
}

// NewAESGCM returns an AESGCM hook that seals with key, which must be
// KeySize (32) bytes long. A nil key makes NewAESGCM draw a random key from
// crypto/rand that lives only in this process, which is what a cache needs:
// its contents never outlive the process, so nothing else needs the key.
// NewAESGCM does not keep key; the caller may wipe it afterwards.
func NewAESGCM(key []byte) (*AESGCM, error) {
	if key == nil {
		key = make([]byte, KeySize)
		rand.Read(key) // never fails: crypto/rand crashes the program instead
		defer clear(key)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("hook: AES-256-GCM key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("hook: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("hook: %w", err)
	}
	return &AESGCM{aead: aead}, nil
}

// Put seals data, a *secretsmanager.GetSecretValueOutput, under a fresh
// random nonce and returns the *Sealed the cache should keep. Anything else
// is answered with an error value. The plaintext buffer Put builds is zeroed
// once sealed; the strings and slices of data itself are left alone, since
// Put cannot know who else holds them.
func (h *AESGCM) Put(data any) any {
	in, ok := data.(*secretsmanager.GetSecretValueOutput)
	if !ok || in == nil {
		return fmt.Errorf("hook: AESGCM.Put got %T, want *secretsmanager.GetSecretValueOutput", data)
	}
	s := &Sealed{
		arn:       deref(in.ARN),
		name:      deref(in.Name),
		versionID: deref(in.VersionId),
		stages:    slices.Clone(in.VersionStages),
	}
	if in.CreatedDate != nil {
		s.created = *in.CreatedDate
	}

	pt := make([]byte, 0, 1+binary.MaxVarintLen64+len(deref(in.SecretString))+len(in.SecretBinary))
	var flags byte
	if in.SecretString != nil {
		flags |= hasString
	}
	if in.SecretBinary != nil {
		flags |= hasBinary
	}
	pt = append(pt, flags)
	if in.SecretString != nil {
		pt = binary.AppendUvarint(pt, uint64(len(*in.SecretString)))
		pt = append(pt, *in.SecretString...)
	}
	pt = append(pt, in.SecretBinary...)
	defer clear(pt)

	ns := h.aead.NonceSize()
	blob := make([]byte, ns, ns+len(pt)+h.aead.Overhead())
	rand.Read(blob) // never fails, as above
	s.blob = h.aead.Seal(blob, blob[:ns], pt, s.appendAAD(nil))
	return s
}

// Get opens data, a *Sealed from Put, and returns a fresh
// *secretsmanager.GetSecretValueOutput holding the secret. Its metadata
// fields point into the Sealed value and must be treated as read-only.
// A value that fails authentication is answered with an error wrapping
// ErrTampered, anything but a *Sealed with one wrapping ErrNotSealed.
func (h *AESGCM) Get(data any) any {
	s, ok := data.(*Sealed)
	if !ok || s == nil {
		return fmt.Errorf("%w: got %T", ErrNotSealed, data)
	}
	ns := h.aead.NonceSize()
	if len(s.blob) < ns+h.aead.Overhead()+1 {
		return fmt.Errorf("%w: sealed value is truncated", ErrTampered)
	}
	nonce, ct := s.blob[:ns], s.blob[ns:]

	bufp := scratch.Get().(*[]byte)
	aad := s.appendAAD((*bufp)[:0])
	aad = slices.Grow(aad, len(ct)) // room for the plaintext after the additional data
	pt, err := h.aead.Open(aad[len(aad):], nonce, ct, aad)
	defer func() {
		// Only what Open may have written is secret. Wiping the pooled
		// buffer's whole capacity instead would make every hit pay for the
		// largest secret the buffer ever held.
		clear(aad[len(aad) : len(aad)+len(ct)])
		*bufp = aad[:0]
		scratch.Put(bufp)
	}()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTampered, err)
	}
	return s.output(pt)
}

// FreshBinary reports that the SecretBinary of every value Get returns is
// a slice allocated for that call, which the hook neither keeps nor
// references: a cache may hand it to its caller without copying it, and so
// without leaving an unwiped second copy behind. It always returns true.
func (*AESGCM) FreshBinary() bool { return true }

// output decodes the opened plaintext into the result of Get, copying the
// secret out of pt, which the caller wipes.
func (s *Sealed) output(pt []byte) any {
	out := &secretsmanager.GetSecretValueOutput{
		ARN:           ptrOrNil(&s.arn),
		Name:          ptrOrNil(&s.name),
		VersionId:     ptrOrNil(&s.versionID),
		VersionStages: s.stages,
	}
	if !s.created.IsZero() {
		out.CreatedDate = &s.created
	}
	flags, rest := pt[0], pt[1:]
	if flags&^(hasString|hasBinary) != 0 {
		// Authenticated, so written by a Put of another layout: refuse
		// rather than guess.
		return fmt.Errorf("%w: unknown layout %#x", ErrTampered, flags)
	}
	if flags&hasString != 0 {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return fmt.Errorf("%w: bad string length", ErrTampered)
		}
		str := string(rest[k : k+int(n)])
		out.SecretString = &str
		rest = rest[k+int(n):]
	}
	if flags&hasBinary != 0 {
		out.SecretBinary = append([]byte{}, rest...)
	}
	return out
}

// appendAAD appends the additional data that binds the ciphertext to s's
// metadata. Each field is length-prefixed so that no two different
// metadata sets encode alike.
func (s *Sealed) appendAAD(b []byte) []byte {
	b = append(b, aadLabel...)
	for _, f := range [...]string{s.arn, s.name, s.versionID} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	b = binary.AppendUvarint(b, uint64(len(s.stages)))
	for _, st := range s.stages {
		b = binary.AppendUvarint(b, uint64(len(st)))
		b = append(b, st...)
	}
	if s.created.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.BigEndian.AppendUint64(b, uint64(s.created.Unix()))
	return binary.BigEndian.AppendUint32(b, uint32(s.created.Nanosecond()))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ptrOrNil maps "" back to the nil the SDK uses for an absent field.
func ptrOrNil(p *string) *string {
	if *p == "" {
		return nil
	}
	return p
}
