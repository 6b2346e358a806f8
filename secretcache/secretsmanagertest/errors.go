package secretsmanagertest

import (
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// AWS's own wording, so that code matching on messages behaves the same
// against this server as against the real service.
const (
	msgSecretNotFound = "Secrets Manager can't find the specified secret."
	msgMarkedDeleted  = "You can't perform this operation on the secret because it was marked for deletion."
	msgBothValues     = "You can't specify both a binary secret value and a string secret value in the same secret."
	msgTokenInUse     = "You can't use ClientRequestToken %s because that value is already in use for a version of secret %s."
	msgNoToken        = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
)

// The Go-side helpers return the same error types the SDK decodes from the
// wire, so a test can use errors.As the same way on both paths.

func errSecretNotFound() error {
	return &types.ResourceNotFoundException{Message: aws.String(msgSecretNotFound)}
}

func errStageNotFound(stage string) error {
	return &types.ResourceNotFoundException{Message: aws.String(
		"Secrets Manager can't find the specified secret value for staging label: " + stage)}
}

func errVersionNotFound(versionID string) error {
	return &types.ResourceNotFoundException{Message: aws.String(
		"Secrets Manager can't find the specified secret value for VersionId: " + versionID)}
}

func errMarkedDeleted() error {
	return &types.InvalidRequestException{Message: aws.String(msgMarkedDeleted)}
}

// errReplica answers a change asked of a replica, which changes only
// through its primary.
func errReplica() error {
	return errInvalidParameter("Operation not permitted on a replica secret. Call must be made in primary secret's region.")
}

func errInvalidRequest(format string, args ...any) error {
	return &types.InvalidRequestException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func errInvalidParameter(format string, args ...any) error {
	return &types.InvalidParameterException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func errResourceExists(format string, args ...any) error {
	return &types.ResourceExistsException{Message: aws.String(fmt.Sprintf(format, args...))}
}

// errServerClosed answers a request that arrives while the server closes.
func errServerClosed() error {
	return &types.InternalServiceError{Message: aws.String("secretsmanagertest: the server is closing")}
}

func errInvalidNextToken() error {
	return &types.InvalidNextTokenException{Message: aws.String("The NextToken value is invalid.")}
}

// apiError returns the AWS error code and message of err, which the wire
// and BatchGetSecretValue's Errors carry. Anything but an API error is a
// failure of the service itself.
func apiError(err error) (code, msg string) {
	if apiErr, ok := err.(smithy.APIError); ok {
		return apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	return "InternalServiceError", err.Error()
}

// wireError is the AWS JSON 1.1 error body. The SDK reads the type from
// __type and the message from Message.
type wireError struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
}

// writeError sends err the way Secrets Manager would: 500 for the service's
// own failures, 400 for everything the caller did or is denied.
func writeError(w http.ResponseWriter, err error) {
	code, msg := apiError(err)
	status := http.StatusBadRequest
	if code == "InternalServiceError" {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, wireError{Type: code, Message: msg})
}
