package secretsmanagertest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// awsPunctuation is the punctuation AWS documents for GetRandomPassword.
const awsPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// charTypes counts the characters of each type in p.
func charTypes(p string) (lower, upper, digit, punct, space int) {
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z':
			lower++
		case r >= 'A' && r <= 'Z':
			upper++
		case r >= '0' && r <= '9':
			digit++
		case r == ' ':
			space++
		case strings.ContainsRune(awsPunctuation, r):
			punct++
		default:
			punct = -1000 // a character of no documented type
		}
	}
	return
}

func TestGetRandomPassword(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	tests := []struct {
		name  string
		in    secretsmanager.GetRandomPasswordInput
		check func(t *testing.T, p string)
	}{
		{"defaults", secretsmanager.GetRandomPasswordInput{}, func(t *testing.T, p string) {
			lower, upper, digit, punct, space := charTypes(p)
			if len(p) != 32 || lower == 0 || upper == 0 || digit == 0 || punct <= 0 || space != 0 {
				t.Errorf("got %d characters (lower %d upper %d digit %d punct %d space %d), want 32 with every type but space",
					len(p), lower, upper, digit, punct, space)
			}
		}},
		{"length 4096", secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(4096)}, func(t *testing.T, p string) {
			if len(p) != 4096 {
				t.Errorf("got length %d, want 4096", len(p))
			}
		}},
		{"length 1 without required types", secretsmanager.GetRandomPasswordInput{
			PasswordLength: aws.Int64(1), RequireEachIncludedType: aws.Bool(false),
		}, func(t *testing.T, p string) {
			if len(p) != 1 {
				t.Errorf("got length %d, want 1", len(p))
			}
		}},
		{"exclusions", secretsmanager.GetRandomPasswordInput{
			PasswordLength: aws.Int64(200), ExcludeNumbers: aws.Bool(true), ExcludePunctuation: aws.Bool(true),
			ExcludeUppercase: aws.Bool(true),
		}, func(t *testing.T, p string) {
			if lower, _, _, _, _ := charTypes(p); lower != 200 {
				t.Errorf("got %q, want only lowercase letters", p)
			}
		}},
		{"only uppercase", secretsmanager.GetRandomPasswordInput{
			PasswordLength: aws.Int64(50), ExcludeNumbers: aws.Bool(true), ExcludePunctuation: aws.Bool(true),
			ExcludeLowercase: aws.Bool(true),
		}, func(t *testing.T, p string) {
			if _, upper, _, _, _ := charTypes(p); upper != 50 {
				t.Errorf("got %q, want only uppercase letters", p)
			}
		}},
		{"exclude characters", secretsmanager.GetRandomPasswordInput{
			PasswordLength: aws.Int64(500), ExcludeCharacters: aws.String("xyzDje@?!./\"'\\"),
		}, func(t *testing.T, p string) {
			if strings.ContainsAny(p, "xyzDje@?!./\"'\\") {
				t.Errorf("got %q, want none of the excluded characters", p)
			}
		}},
		{"include space", secretsmanager.GetRandomPasswordInput{
			PasswordLength: aws.Int64(4096), IncludeSpace: aws.Bool(true),
		}, func(t *testing.T, p string) {
			if _, _, _, _, space := charTypes(p); space == 0 {
				t.Error("got no space in 4096 characters with IncludeSpace")
			}
		}},
		{"every type required at the minimum length", secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(4)}, func(t *testing.T, p string) {
			if lower, upper, digit, punct, _ := charTypes(p); lower != 1 || upper != 1 || digit != 1 || punct != 1 {
				t.Errorf("got %q, want one character of each type", p)
			}
		}},
		{"a type emptied by ExcludeCharacters is not required", secretsmanager.GetRandomPasswordInput{
			PasswordLength: aws.Int64(3), ExcludeCharacters: aws.String("0123456789"),
		}, func(t *testing.T, p string) {
			if lower, upper, digit, punct, _ := charTypes(p); lower != 1 || upper != 1 || digit != 0 || punct != 1 {
				t.Errorf("got %q, want one lowercase, uppercase and punctuation character each", p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 20 { // the checks are about every password, not one lucky draw
				out, err := c.GetRandomPassword(context.Background(), &tt.in)
				if err != nil {
					t.Fatalf("GetRandomPassword: %v", err)
				}
				tt.check(t, aws.ToString(out.RandomPassword))
			}
		})
	}
}

func TestGetRandomPasswordDiffers(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	seen := map[string]bool{}
	for range 50 {
		out, err := c.GetRandomPassword(context.Background(), &secretsmanager.GetRandomPasswordInput{})
		if err != nil {
			t.Fatal(err)
		}
		seen[aws.ToString(out.RandomPassword)] = true
	}
	if len(seen) != 50 {
		t.Errorf("got %d distinct passwords in 50 calls, want 50", len(seen))
	}
}

func TestGetRandomPasswordErrors(t *testing.T) {
	t.Parallel()
	_, c := newServer(t)
	tests := []struct {
		name     string
		in       secretsmanager.GetRandomPasswordInput
		code     string
		contains string
	}{
		{"too long", secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(4097)}, "ValidationException",
			"1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"},
		{"zero", secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(0)}, "ValidationException",
			"Value '0' at 'passwordLength' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"exclude characters too long", secretsmanager.GetRandomPasswordInput{ExcludeCharacters: aws.String(strings.Repeat("a", 4097))},
			"ValidationException", "at 'excludeCharacters' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"shorter than the required types", secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(3)},
			"InvalidParameterException", "Password length is too short based on the required types."},
		{"everything excluded", secretsmanager.GetRandomPasswordInput{
			ExcludeNumbers: aws.Bool(true), ExcludePunctuation: aws.Bool(true), ExcludeUppercase: aws.Bool(true), ExcludeLowercase: aws.Bool(true),
		}, "InvalidParameterException", "every character type is excluded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.GetRandomPassword(context.Background(), &tt.in)
			if got := errorCode(err); got != tt.code {
				t.Fatalf("got %v (code %q), want %s", err, got, tt.code)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("got %q, want it to contain %q", err, tt.contains)
			}
			if tt.code == "InvalidParameterException" {
				var ipe *types.InvalidParameterException
				if !errors.As(err, &ipe) {
					t.Errorf("got %T, want *types.InvalidParameterException", err)
				}
			}
		})
	}
}
