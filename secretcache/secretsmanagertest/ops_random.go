package secretsmanagertest

import (
	"context"
	cryptorand "crypto/rand"
	"math/rand/v2"
	"strings"
)

// Limits and defaults of GetRandomPassword, from the service's model.
const (
	defaultPasswordLength = 32
	maxPasswordLength     = 4096
)

// punctuation is the set of punctuation characters GetRandomPassword
// draws from unless ExcludePunctuation is set: every printable ASCII
// character that is neither a letter, a digit nor a space, as AWS documents.
const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// The character types of a password, in the order AWS lists them.
const (
	lowercase = "abcdefghijklmnopqrstuvwxyz"
	uppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits    = "0123456789"
)

type getRandomPasswordInput struct {
	PasswordLength          *int64  `json:"PasswordLength"`
	ExcludeCharacters       *string `json:"ExcludeCharacters"`
	ExcludeNumbers          bool    `json:"ExcludeNumbers"`
	ExcludePunctuation      bool    `json:"ExcludePunctuation"`
	ExcludeUppercase        bool    `json:"ExcludeUppercase"`
	ExcludeLowercase        bool    `json:"ExcludeLowercase"`
	IncludeSpace            bool    `json:"IncludeSpace"`
	RequireEachIncludedType *bool   `json:"RequireEachIncludedType"`
}

type getRandomPasswordOutput struct {
	RandomPassword string `json:"RandomPassword"`
}

// getRandomPassword generates a password as the service does: 32 characters
// by default, drawn from letters, digits and punctuation, with at least one
// character of every included type unless RequireEachIncludedType is false.
// The space, when included, is never required.
func (s *Server) getRandomPassword(_ context.Context, in *getRandomPasswordInput) (*getRandomPasswordOutput, error) {
	var c checks
	c.between("passwordLength", in.PasswordLength, 1, maxPasswordLength)
	c.length("excludeCharacters", in.ExcludeCharacters, 0, maxPasswordLength)
	if err := c.err(); err != nil {
		return nil, err
	}
	length := defaultPasswordLength
	if in.PasswordLength != nil {
		length = int(*in.PasswordLength)
	}
	types := in.types()
	if len(types) == 0 {
		return nil, errInvalidParameter("The password can't be generated because every character type is excluded.")
	}
	var required []string
	if in.RequireEachIncludedType == nil || *in.RequireEachIncludedType {
		for _, t := range types {
			if t != " " {
				required = append(required, t)
			}
		}
	}
	if length < len(required) {
		return nil, errInvalidParameter("Password length is too short based on the required types.")
	}
	return &getRandomPasswordOutput{RandomPassword: randomPassword(length, types, required)}, nil
}

// types returns the characters of each included type, less the excluded
// characters. A type whose every character is excluded is left out, so that
// it is not required either.
func (in *getRandomPasswordInput) types() []string {
	exclude := ""
	if in.ExcludeCharacters != nil {
		exclude = *in.ExcludeCharacters
	}
	keep := func(r rune) rune {
		if strings.ContainsRune(exclude, r) {
			return -1
		}
		return r
	}
	var types []string
	for _, t := range []struct {
		chars    string
		included bool
	}{
		{lowercase, !in.ExcludeLowercase},
		{uppercase, !in.ExcludeUppercase},
		{digits, !in.ExcludeNumbers},
		{punctuation, !in.ExcludePunctuation},
		{" ", in.IncludeSpace},
	} {
		if chars := strings.Map(keep, t.chars); t.included && chars != "" {
			types = append(types, chars)
		}
	}
	return types
}

// randomPassword draws one character of each required type and the rest
// from all types together, then shuffles them, so that the required
// characters sit at random positions. The generator is ChaCha8 seeded from
// the operating system, a cryptographically strong source.
func randomPassword(length int, types, required []string) string {
	var seed [32]byte
	_, _ = cryptorand.Read(seed[:]) // never fails on supported platforms
	rng := rand.New(rand.NewChaCha8(seed))
	all := strings.Join(types, "")
	b := make([]byte, length)
	for i := range b {
		from := all
		if i < len(required) {
			from = required[i]
		}
		b[i] = from[rng.IntN(len(from))]
	}
	rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	return string(b)
}
