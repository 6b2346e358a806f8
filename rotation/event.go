package rotation

// Step names one of the four invocations of a rotation, in the words
// Secrets Manager puts in the event's Step field.
type Step string

// The steps of a rotation, in the order Secrets Manager invokes them.
const (
	// CreateSecret puts the new value under the event's token, labelled
	// AWSPENDING.
	CreateSecret Step = "createSecret"
	// SetSecret makes the protected resource (the database) accept the
	// AWSPENDING value.
	SetSecret Step = "setSecret"
	// TestSecret checks that the AWSPENDING value works.
	TestSecret Step = "testSecret"
	// FinishSecret moves AWSCURRENT to the new version.
	FinishSecret Step = "finishSecret"
)

// valid reports whether s is one of the four steps.
func (s Step) valid() bool {
	switch s {
	case CreateSecret, SetSecret, TestSecret, FinishSecret:
		return true
	}
	return false
}

// Event is the invocation Secrets Manager sends a rotation function, in the
// JSON form the Lambda runtime decodes:
//
//	{"Step": "createSecret", "SecretId": "arn:aws:secretsmanager:...",
//	 "ClientRequestToken": "...", "RotationToken": "..."}
//
// It is the input type of Handler.Handle, so lambda.Start(h.Handle)
// decodes it.
type Event struct {
	// SecretID is the ARN of the secret being rotated.
	SecretID string `json:"SecretId"`
	// ClientRequestToken is the ID of the version the rotation creates.
	ClientRequestToken string `json:"ClientRequestToken"`
	// Step is the step to run.
	Step Step `json:"Step"`
	// RotationToken identifies the rotation to Secrets Manager; createSecret
	// passes it to PutSecretValue, which needs it when the function runs
	// with an assumed role or rotates a secret of another account. Absent
	// from older events.
	RotationToken string `json:"RotationToken,omitempty"`
}
