package secretsmanagertest

import "context"

// The seeding helpers change the server's state directly from Go, without
// a request: they are not counted by Calls and ignore faults and latency,
// so setting up a test never disturbs what the test measures. Their errors
// are the SDK's own types (*types.ResourceExistsException, ...), as a
// client would see them.

// CreateSecret creates a secret named name whose AWSCURRENT version holds
// the string value, and returns its full ARN. It fails with
// *types.ResourceExistsException if the name is taken.
func (s *Server) CreateSecret(name, value string) (arn string, err error) {
	return s.create(name, &value, nil)
}

// CreateBinarySecret is CreateSecret for a binary value. b is copied.
func (s *Server) CreateBinarySecret(name string, b []byte) (arn string, err error) {
	return s.create(name, nil, clone(b))
}

func (s *Server) create(name string, str *string, bin []byte) (string, error) {
	out, err := s.createSecret(context.Background(), &createSecretInput{Name: name, valueInput: valueInput{SecretString: str, SecretBinary: bin}})
	if err != nil {
		return "", err
	}
	return out.ARN, nil
}

// PutSecretValue adds a version holding the string value to the secret
// that secretID names (name, full ARN or partial ARN), and returns its
// version ID. The version gets stages, or AWSCURRENT when none are given;
// each stage leaves the version that had it, and moving AWSCURRENT hands
// AWSPREVIOUS to its former version, as the PutSecretValue API does.
func (s *Server) PutSecretValue(secretID, value string, stages ...string) (versionID string, err error) {
	return s.put(secretID, &value, nil, stages)
}

// PutSecretBinary is PutSecretValue for a binary value. b is copied.
func (s *Server) PutSecretBinary(secretID string, b []byte, stages ...string) (versionID string, err error) {
	return s.put(secretID, nil, clone(b), stages)
}

func (s *Server) put(secretID string, str *string, bin []byte, stages []string) (string, error) {
	out, err := s.putSecretValue(context.Background(), &putSecretValueInput{
		SecretID: secretID, VersionStages: stages, valueInput: valueInput{SecretString: str, SecretBinary: bin},
	})
	if err != nil {
		return "", err
	}
	return out.VersionID, nil
}

// VersionStages returns the staging labels of every version of the secret
// that secretID names, keyed by version ID; versions without labels
// (deprecated ones) are included with an empty list. It lets a test check
// the labels without making a request.
func (s *Server) VersionStages(secretID string) (map[string][]string, error) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	sec, err := s.store.lookup(secretID)
	if err != nil {
		return nil, err
	}
	stages := make(map[string][]string, len(sec.versions))
	for _, id := range sec.order {
		stages[id] = sec.stagesOf(id)
	}
	return stages, nil
}

// clone copies b so the caller may reuse it, keeping a nil slice nil and an
// empty one non-nil: the difference says whether a binary was given.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
