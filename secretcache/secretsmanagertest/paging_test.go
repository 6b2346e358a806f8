package secretsmanagertest

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestPageLimit(t *testing.T) {
	t.Parallel()
	n := func(i int) *int { return &i }
	tests := []struct {
		name       string
		maxResults *int
		want       int
		wantErr    bool
	}{
		{"absent is the most", nil, 20, false},
		{"one", n(1), 1, false},
		{"the most", n(20), 20, false},
		{"zero", n(0), 0, true},
		{"above the most", n(21), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pageLimit(tt.maxResults, 20)
			var invalid *types.InvalidParameterException
			if got != tt.want || errors.As(err, &invalid) != tt.wantErr {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	for _, pos := range []string{"app/07", "0", "ünïcode"} {
		t.Run(pos, func(t *testing.T) {
			t.Parallel()
			if got, err := decodeToken(encodeToken(pos)); got != pos || err != nil {
				t.Errorf("got %q, %v; want %q, nil", got, err, pos)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		if got, err := decodeToken(nil); got != "" || err != nil {
			t.Errorf("got %q, %v; want the first page", got, err)
		}
	})
	for _, bad := range []string{"", "!!", "=="} {
		t.Run("bad "+bad, func(t *testing.T) {
			t.Parallel()
			var invalid *types.InvalidNextTokenException
			if _, err := decodeToken(&bad); !errors.As(err, &invalid) {
				t.Errorf("got %v, want *types.InvalidNextTokenException", err)
			}
		})
	}
}
