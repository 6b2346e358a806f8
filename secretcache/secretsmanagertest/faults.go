package secretsmanagertest

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// FaultKind is a way a request can fail.
type FaultKind int

// The fault kinds, each answering as Secrets Manager does when it happens.
const (
	// Throttling answers 400 ThrottlingException, as when the account's
	// request rate is exceeded. The SDK reports it as a smithy.APIError
	// with ErrorCode "ThrottlingException".
	Throttling FaultKind = iota + 1
	// InternalError answers 500 InternalServiceError, which the SDK
	// decodes as *types.InternalServiceError.
	InternalError
	// AccessDenied answers 400 AccessDeniedException, as when an IAM
	// policy does not allow the call. The SDK reports it as a
	// smithy.APIError with ErrorCode "AccessDeniedException".
	AccessDenied
	// Timeout never answers: the request is held until the client cancels
	// it (its context deadline or HTTP timeout) or the server closes.
	Timeout
)

// String returns the kind's name.
func (k FaultKind) String() string {
	switch k {
	case Throttling:
		return "Throttling"
	case InternalError:
		return "InternalError"
	case AccessDenied:
		return "AccessDenied"
	case Timeout:
		return "Timeout"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault describes requests to fail.
type Fault struct {
	// Kind is how the requests fail.
	Kind FaultKind
	// Count is how many requests fail before the fault clears itself.
	// Zero means every request fails until ClearFaults.
	Count int
}

// faults holds the faults armed per operation.
type faults struct {
	mu sync.Mutex
	// armed maps an operation (or AllOperations) to its fault; Count
	// counts down. Guarded by mu.
	armed map[string]Fault
}

func newFaults() *faults { return &faults{armed: make(map[string]Fault)} }

// take reports the fault the next request for op meets, using one of its
// count.
func (f *faults) take(op string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := op
	fault, ok := f.armed[key]
	if !ok {
		key = AllOperations
		if fault, ok = f.armed[key]; !ok {
			return Fault{}, false
		}
	}
	if fault.Count > 0 {
		fault.Count--
		if fault.Count == 0 {
			delete(f.armed, key)
		} else {
			f.armed[key] = fault
		}
	}
	return fault, true
}

// InjectFault makes later requests for op (or for AllOperations) fail as f
// describes, replacing any fault already set for op. Faults apply after
// SetLatency's delay and before the request is looked at, so a faulted
// request changes no state. InjectFault panics if op is not an operation
// the server implements or f.Kind is not a known kind.
func (s *Server) InjectFault(op string, f Fault) {
	checkOp(op)
	if f.Kind < Throttling || f.Kind > Timeout {
		panic(fmt.Sprintf("secretsmanagertest: unknown fault kind %v", f.Kind))
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.armed[op] = f
}

// ClearFaults removes every injected fault. Requests already held by a
// Timeout fault stay held until their client gives up.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	clear(s.faults.armed)
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, op string, f Fault) {
	switch f.Kind {
	case Throttling:
		writeError(w, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"})
	case InternalError:
		writeError(w, &types.InternalServiceError{Message: aws.String("An error occurred on the server side.")})
	case AccessDenied:
		writeError(w, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: fmt.Sprintf(
			"User: arn:aws:iam::%s:user/secretsmanagertest is not authorized to perform: secretsmanager:%s because no identity-based policy allows the secretsmanager:%s action",
			s.cfg.account, op, op)})
	case Timeout:
		s.hold(r.Context(), -1)
	}
}
