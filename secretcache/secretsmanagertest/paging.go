package secretsmanagertest

import "encoding/base64"

// pageLimit returns how many items one page holds: maxResults when given,
// which must be between 1 and most, else most.
func pageLimit(maxResults *int, most int) (int, error) {
	if maxResults == nil {
		return most, nil
	}
	if *maxResults < 1 || *maxResults > most {
		return 0, errInvalidParameter("MaxResults must be between 1 and %d.", most)
	}
	return *maxResults, nil
}

// encodeToken wraps the position the next page starts at in an opaque
// NextToken.
func encodeToken(pos string) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(pos))
	return &t
}

// decodeToken returns the position encodeToken wrapped, or "" for no token
// (the first page).
func decodeToken(token *string) (string, error) {
	if token == nil {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*token)
	if err != nil || len(b) == 0 {
		return "", errInvalidNextToken()
	}
	return string(b), nil
}
