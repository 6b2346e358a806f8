package secretsmanagertest

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestPageSize(t *testing.T) {
	t.Parallel()
	n := int64(7)
	if got := pageSize(nil, 20); got != 20 {
		t.Errorf("absent: got %d, want the default 20", got)
	}
	if got := pageSize(&n, 20); got != 7 {
		t.Errorf("7: got %d, want 7", got)
	}
}

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	for _, pos := range []string{"app/07", "0", "ünïcode"} {
		t.Run(pos, func(t *testing.T) {
			t.Parallel()
			if got, err := decodeToken("batch", encodeToken("batch", pos)); got != pos || err != nil {
				t.Errorf("got %q, %v; want %q, nil", got, err, pos)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		if got, err := decodeToken("batch", nil); got != "" || err != nil {
			t.Errorf("got %q, %v; want the first page", got, err)
		}
	})
	other := *encodeToken("secrets", "3")
	for _, bad := range []string{"", "!!", "==", other} {
		t.Run("bad "+bad, func(t *testing.T) {
			t.Parallel()
			var invalid *types.InvalidNextTokenException
			if _, err := decodeToken("batch", &bad); !errors.As(err, &invalid) {
				t.Errorf("got %v, want *types.InvalidNextTokenException", err)
			}
		})
	}
}
