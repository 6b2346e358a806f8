package rotation

import (
	"errors"
	"strings"
)

// errGrantLine is the error of a SHOW GRANTS line regrant cannot copy. It
// does not quote the line, which can hold a password hash.
var errGrantLine = errors.New("rotation: a SHOW GRANTS line of the AWSCURRENT user is not a GRANT, REVOKE or SET DEFAULT ROLE for that account; refusing to copy it")

// regrant rewrites a line of SHOW GRANTS FOR user@host for account (a
// quoted 'user'@'host'). The line is split into words outside quotes, so a
// name holding " TO " or a quote cannot move the grantee; its grantee must
// be user@host (however quoted), or the line is refused. The words after
// the grantee are dropped but for WITH GRANT OPTION and WITH ADMIN OPTION:
// they are the account's password hash, TLS requirements and resource
// limits, which are not grants (TLS requirements are copied on their
// own). The lines SHOW GRANTS prints are:
//
//	GRANT <privileges> ON <object> TO <grantee> [IDENTIFIED BY PASSWORD '...'] [REQUIRE ...] [WITH ...]
//	GRANT <role> TO <grantee> [WITH ADMIN OPTION]
//	GRANT PROXY ON <account> TO <grantee> [WITH GRANT OPTION]
//	REVOKE <privileges> ON <object> FROM <grantee>   (MySQL 8 partial revokes)
//	SET DEFAULT ROLE <role> FOR <grantee>            (MariaDB)
func regrant(line, user, host, account string) (string, error) {
	words, ok := splitWords(line)
	if !ok || len(words) < 3 {
		return "", errGrantLine
	}
	keyword := map[string]string{"GRANT": "TO", "REVOKE": "FROM", "SET": "FOR"}[strings.ToUpper(words[0])]
	if keyword == "" {
		return "", errGrantLine
	}
	at := -1
	for i, w := range words {
		if strings.EqualFold(w, keyword) {
			at = i
			break
		}
	}
	if at < 1 || at+1 >= len(words) {
		return "", errGrantLine
	}
	u, h, ok := splitAccount(words[at+1])
	if !ok || u != user || h != host {
		return "", errGrantLine
	}
	out := strings.Join(words[:at+1], " ") + " " + account
	rest := strings.ToUpper(strings.Join(words[at+2:], " "))
	for _, option := range []string{"WITH GRANT OPTION", "WITH ADMIN OPTION"} {
		if strings.Contains(" "+rest+" ", " "+option+" ") {
			out += " " + option
		}
	}
	return out, nil
}

// splitWords splits s at spaces outside `identifiers`, 'strings' and
// "strings"; a doubled quote or a backslash-escaped character stays
// inside. ok is false when a quote is not closed.
func splitWords(s string) (words []string, ok bool) {
	var quote byte
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			switch {
			case c == '\\' && quote != '`':
				i++ // the next byte is escaped
			case c == quote && i+1 < len(s) && s[i+1] == quote:
				i++ // a doubled quote
			case c == quote:
				quote = 0
			}
		case c == ' ':
			if start >= 0 {
				words = append(words, s[start:i])
				start = -1
			}
			continue
		case c == '`' || c == '\'' || c == '"':
			quote = c
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words, quote == 0
}

// splitAccount parses a grantee as SHOW GRANTS prints it: `user`@`host`,
// 'user'@'host', or a bare `role`, and returns its unquoted parts.
func splitAccount(w string) (user, host string, ok bool) {
	user, rest, ok := unquoteName(w)
	if !ok {
		return "", "", false
	}
	if rest == "" {
		return user, "", true
	}
	if rest[0] != '@' {
		return "", "", false
	}
	host, rest, ok = unquoteName(rest[1:])
	return user, host, ok && rest == ""
}

// unquoteName reads one quoted name at the start of s and returns it and
// what follows.
func unquoteName(s string) (name, rest string, ok bool) {
	if s == "" || s[0] != '`' && s[0] != '\'' && s[0] != '"' {
		return "", "", false
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && q != '`' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == q && i+1 < len(s) && s[i+1] == q:
			i++
			b.WriteByte(q)
		case c == q:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}
