package secretsmanagertest

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// A NextToken is opaque to clients. Here it is the position the next page
// starts at, tagged with the operation that issued it so that a token is
// refused by the others, and base64-encoded.

// encodeToken wraps the position pos of a listing of kind.
func encodeToken(kind, pos string) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + pos))
	return &t
}

// decodeToken returns the position encodeToken wrapped, or "" for no token
// (the first page). A token it did not issue for kind is an
// InvalidNextTokenException.
func decodeToken(kind string, token *string) (string, error) {
	if token == nil {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*token)
	pos, ok := strings.CutPrefix(string(b), kind+":")
	if err != nil || !ok || pos == "" {
		return "", errInvalidNextToken()
	}
	return pos, nil
}

// decodeIndexToken returns the index a NextToken of kind carries, 0 for
// none.
func decodeIndexToken(kind string, token *string) (int, error) {
	pos, err := decodeToken(kind, token)
	if err != nil || pos == "" {
		return 0, err
	}
	i, err := strconv.Atoi(pos)
	if err != nil || i < 0 {
		return 0, errInvalidNextToken()
	}
	return i, nil
}

// pageSize returns MaxResults, checked by the model, or the default.
func pageSize(maxResults *int64, def int) int {
	if maxResults == nil {
		return def
	}
	return int(*maxResults)
}
