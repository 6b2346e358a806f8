package rotation

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// DefaultExcludeCharacters are the characters new passwords leave out
// unless PasswordOptions says otherwise: those of AWS's rotation templates,
// which break connection strings and shell quoting (/ @ " ' \).
const DefaultExcludeCharacters = `/@"'\`

// DefaultPasswordLength is the length of new passwords unless
// PasswordOptions says otherwise, as in AWS's rotation templates.
const DefaultPasswordLength = 32

// PasswordOptions shape the passwords GetRandomPassword generates. The zero
// value asks for AWS's defaults: 32 characters of every type, each type
// present, without DefaultExcludeCharacters.
type PasswordOptions struct {
	// Length is the number of characters; 0 means DefaultPasswordLength.
	Length int64
	// ExcludeCharacters are left out; "" means DefaultExcludeCharacters.
	// There is no way to exclude nothing: those characters break too many
	// clients.
	ExcludeCharacters string
	// ExcludeNumbers, ExcludePunctuation, ExcludeUppercase and
	// ExcludeLowercase leave out a whole type of character.
	ExcludeNumbers, ExcludePunctuation, ExcludeUppercase, ExcludeLowercase bool
	// IncludeSpace allows the space character.
	IncludeSpace bool
	// AllowMissingTypes lets a password lack one of the included types;
	// by default each one appears at least once (RequireEachIncludedType).
	AllowMissingTypes bool
}

func (o PasswordOptions) input() *secretsmanager.GetRandomPasswordInput {
	length := o.Length
	if length == 0 {
		length = DefaultPasswordLength
	}
	exclude := o.ExcludeCharacters
	if exclude == "" {
		exclude = DefaultExcludeCharacters
	}
	return &secretsmanager.GetRandomPasswordInput{
		PasswordLength:          aws.Int64(length),
		ExcludeCharacters:       aws.String(exclude),
		ExcludeNumbers:          aws.Bool(o.ExcludeNumbers),
		ExcludePunctuation:      aws.Bool(o.ExcludePunctuation),
		ExcludeUppercase:        aws.Bool(o.ExcludeUppercase),
		ExcludeLowercase:        aws.Bool(o.ExcludeLowercase),
		IncludeSpace:            aws.Bool(o.IncludeSpace),
		RequireEachIncludedType: aws.Bool(!o.AllowMissingTypes),
	}
}
