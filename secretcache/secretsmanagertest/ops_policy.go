package secretsmanagertest

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Resource policies are stored and returned as given, after a check of
// their structure. They are never evaluated: every request is allowed
// whatever the policy says, and the broad-access check (Principal "*" in
// an Allow statement without a Condition) is far weaker than the automated
// reasoning AWS applies.

const maxPolicyLength = 20480

const msgPolicySyntax = "This policy has invalid syntax."

// policyDocument is the part of an IAM policy the checks look at.
type policyDocument struct {
	Version   string          `json:"Version"`
	Statement json.RawMessage `json:"Statement"`
}

type policyStatement struct {
	Effect       string          `json:"Effect"`
	Principal    json.RawMessage `json:"Principal"`
	NotPrincipal json.RawMessage `json:"NotPrincipal"`
	Action       json.RawMessage `json:"Action"`
	NotAction    json.RawMessage `json:"NotAction"`
	Condition    json.RawMessage `json:"Condition"`
}

// parsePolicy checks a policy's syntax: a JSON object with a known
// Version, and one statement or a list of them, each with an Effect, a
// principal and an action.
func parsePolicy(policy string) ([]policyStatement, error) {
	var doc policyDocument
	if err := json.Unmarshal([]byte(policy), &doc); err != nil || len(doc.Statement) == 0 {
		return nil, &types.MalformedPolicyDocumentException{Message: aws.String(msgPolicySyntax)}
	}
	if doc.Version != "" && doc.Version != "2012-10-17" && doc.Version != "2008-10-17" {
		return nil, &types.MalformedPolicyDocumentException{Message: aws.String(msgPolicySyntax)}
	}
	var stmts []policyStatement
	if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
		var one policyStatement
		if err := json.Unmarshal(doc.Statement, &one); err != nil {
			return nil, &types.MalformedPolicyDocumentException{Message: aws.String(msgPolicySyntax)}
		}
		stmts = []policyStatement{one}
	}
	for _, st := range stmts {
		if (st.Effect != "Allow" && st.Effect != "Deny") || (st.Principal == nil && st.NotPrincipal == nil) || (st.Action == nil && st.NotAction == nil) {
			return nil, &types.MalformedPolicyDocumentException{Message: aws.String(msgPolicySyntax)}
		}
	}
	return stmts, nil
}

// public reports whether a statement grants access to anyone: an Allow to
// the principal "*" (or {"AWS": "*"}) under no condition.
func (st policyStatement) public() bool {
	if st.Effect != "Allow" || st.Condition != nil || st.Principal == nil {
		return false
	}
	var anyone string
	if json.Unmarshal(st.Principal, &anyone) == nil {
		return anyone == "*"
	}
	var byType map[string]json.RawMessage
	if json.Unmarshal(st.Principal, &byType) != nil {
		return false
	}
	who := byType["AWS"]
	var one string
	var many []string
	return json.Unmarshal(who, &one) == nil && one == "*" ||
		json.Unmarshal(who, &many) == nil && slices.Contains(many, "*")
}

type putResourcePolicyInput struct {
	SecretID          string  `json:"SecretId"`
	ResourcePolicy    *string `json:"ResourcePolicy"`
	BlockPublicPolicy bool    `json:"BlockPublicPolicy"`
}

type policyOutput struct {
	ARN            string  `json:"ARN"`
	Name           string  `json:"Name"`
	ResourcePolicy *string `json:"ResourcePolicy,omitempty"`
}

// putResourcePolicy attaches a policy to the secret, once found, after
// checking the policy's syntax, refusing one that grants public access when
// BlockPublicPolicy is set.
func (s *Server) putResourcePolicy(ctx context.Context, in *putResourcePolicyInput) (*policyOutput, error) {
	var c checks
	c.secretID(in.SecretID)
	c.required("resourcePolicy", in.ResourcePolicy != nil)
	c.length("resourcePolicy", in.ResourcePolicy, 1, maxPolicyLength)
	sec, unlock, err := s.openSecret(ctx, &c, in.SecretID, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	stmts, err := parsePolicy(*in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	if in.BlockPublicPolicy {
		for _, st := range stmts {
			if st.public() {
				return nil, &types.PublicPolicyException{Message: aws.String("You can't attach a resource policy that grants public access to the secret while BlockPublicPolicy is set.")}
			}
		}
	}
	sec.policy = aws.String(*in.ResourcePolicy)
	sec.changed = s.store.changeDate()
	return &policyOutput{ARN: sec.arn, Name: sec.name}, nil
}

// getResourcePolicy returns the policy as it was put; a replica shows its
// primary's, which AWS replicates.
func (s *Server) getResourcePolicy(ctx context.Context, in *secretIDInput) (*policyOutput, error) {
	sec, unlock, err := s.openSecretID(ctx, in, (*store).lookup)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return &policyOutput{ARN: sec.arn, Name: sec.name, ResourcePolicy: sec.source().policy}, nil
}

// deleteResourcePolicy removes the policy; a secret without one is fine.
func (s *Server) deleteResourcePolicy(ctx context.Context, in *secretIDInput) (*policyOutput, error) {
	sec, unlock, err := s.openSecretID(ctx, in, (*store).lookupPrimary)
	if err != nil {
		return nil, err
	}
	defer unlock()
	sec.policy = nil
	sec.changed = s.store.changeDate()
	return &policyOutput{ARN: sec.arn, Name: sec.name}, nil
}

type validateResourcePolicyInput struct {
	SecretID       *string `json:"SecretId"`
	ResourcePolicy *string `json:"ResourcePolicy"`
}

type validationError struct {
	CheckName    string `json:"CheckName"`
	ErrorMessage string `json:"ErrorMessage"`
}

type validateResourcePolicyOutput struct {
	PolicyValidationPassed bool              `json:"PolicyValidationPassed"`
	ValidationErrors       []validationError `json:"ValidationErrors"`
}

// validateResourcePolicy checks a policy's syntax (a malformed one is a
// MalformedPolicyDocumentException) and reports statements that grant
// public access. It changes nothing; the secret, when named, must exist.
func (s *Server) validateResourcePolicy(ctx context.Context, in *validateResourcePolicyInput) (*validateResourcePolicyOutput, error) {
	var c checks
	c.length("secretId", in.SecretID, 1, 2048)
	c.required("resourcePolicy", in.ResourcePolicy != nil)
	c.length("resourcePolicy", in.ResourcePolicy, 1, maxPolicyLength)
	if err := c.err(); err != nil {
		return nil, err
	}
	if in.SecretID != nil {
		s.store.mu.Lock()
		_, err := s.store.lookup(s.regionOf(ctx), *in.SecretID)
		s.store.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	stmts, err := parsePolicy(*in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	out := &validateResourcePolicyOutput{PolicyValidationPassed: true, ValidationErrors: []validationError{}}
	for _, st := range stmts {
		if st.public() {
			out.PolicyValidationPassed = false
			out.ValidationErrors = append(out.ValidationErrors, validationError{
				CheckName:    "PUBLIC_POLICY",
				ErrorMessage: "The policy grants access to any principal (\"*\") without a condition: it makes the secret public.",
			})
		}
	}
	return out, nil
}
