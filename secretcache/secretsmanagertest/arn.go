package secretsmanagertest

import (
	"crypto/rand"
	"regexp"
	"strings"
)

// namePattern is AWS's rule for secret names: ASCII letters, digits and
// /_+=.@-! (the "!" appears in the names of secrets other services
// manage, such as rds!cluster-...).
var namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@!-]+$`)

// msgInvalidName is the service's answer to a name outside namePattern,
// whether it names a new secret or an existing one.
const msgInvalidName = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"

// checkName refuses a name the service would refuse. It is not a model
// constraint, so it is checked after them.
func checkName(name string) error {
	if !namePattern.MatchString(name) {
		return errValidation(msgInvalidName)
	}
	return nil
}

// partition returns the AWS partition of a region, the second field of
// every ARN in it.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// secretARNPrefix is what every secret ARN of region and account starts
// with; the name and a "-xxxxxx" suffix follow.
func secretARNPrefix(region, account string) string {
	return "arn:" + partition(region) + ":secretsmanager:" + region + ":" + account + ":secret:"
}

// arnSuffix returns the six random characters AWS appends to a secret's
// name in its ARN, which is what tells a full ARN from a partial one.
func arnSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// parseSecretARN splits a secret ARN into its region, account and the part
// after "secret:" (a name, with the "-xxxxxx" suffix when the ARN is
// complete). ok is false for anything that is not a Secrets Manager secret
// ARN.
func parseSecretARN(id string) (region, account, resource string, ok bool) {
	f := strings.SplitN(id, ":", 7)
	if len(f) != 7 || f[0] != "arn" || f[2] != "secretsmanager" || f[1] != partition(f[3]) || f[5] != "secret" {
		return "", "", "", false
	}
	return f[3], f[4], f[6], true
}

// lambdaARN returns the ARN of a Lambda function in region and account.
func lambdaARN(region, account, function string) string {
	return "arn:" + partition(region) + ":lambda:" + region + ":" + account + ":function:" + function
}
