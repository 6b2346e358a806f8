package secretsmanagertest

import (
	"regexp"
	"strconv"
	"strings"
)

// filter is one element of the Filters of ListSecrets and
// BatchGetSecretValue.
type filter struct {
	Key    *string  `json:"Key"`
	Values []string `json:"Values"`
}

// filterKeys are the keys the model allows, in its order.
var filterKeys = []string{"description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"}

const filterValueSource = `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`

var filterValuePattern = regexp.MustCompile(filterValueSource)

// checkFilters records the model's constraints on Filters.
func checkFilters(c *checks, filters []filter) {
	c.count("filters", len(filters), filters != nil, 0, 10)
	for i, f := range filters {
		c.oneOf(member("filters", i, "key"), f.Key, filterKeys...)
		values := member("filters", i, "values")
		c.count(values, len(f.Values), f.Values != nil, 1, 10)
		for j := range f.Values {
			path := values + "." + strconv.Itoa(j+1) + ".member"
			c.length(path, &f.Values[j], 0, 512)
			c.pattern(path, &f.Values[j], filterValuePattern, filterValueSource)
		}
	}
}

// validateFilters refuses a filter without a key or without values, which
// the model lets through.
func validateFilters(filters []filter) error {
	for _, f := range filters {
		if f.Key == nil {
			return errInvalidParameter("Invalid filter key")
		}
		if len(f.Values) == 0 {
			return errInvalidParameter("Invalid filter values for key: %s", *f.Key)
		}
	}
	return nil
}

// matchesAll reports whether sec passes every filter: filters combine with
// AND (two filters with the same key too), the values of one filter with
// OR. A value "!x" matches a secret with an attribute that x does not
// match; a secret without the attribute (no description, no tags) matches
// no value of that filter, negated or not.
//
// name, tag-key, tag-value, primary-region and owning-service match by
// case-sensitive prefix. description and all match by words, ignoring case:
// every word of the value must start a word of an attribute (all looks at
// the name, the description and the tags). Words are what AWS's search
// splits: at one kind of separator among /-_+=.@ (a name mixing two kinds
// is one word), at spaces, and where an upper-case letter starts a
// lower-case run ("MyTest" is My and Test, "COMPANYthings" COMPAN and
// Ythings). These rules reproduce AWS's observed answers, including the
// surprising ones.
func matchesAll(sec *secret, filters []filter) bool {
	for _, f := range filters {
		if !f.matches(sec) {
			return false
		}
	}
	return true
}

func (f filter) matches(sec *secret) bool {
	attrs, match := filterAttributes(sec, *f.Key)
	if len(attrs) == 0 {
		return false
	}
	for _, v := range f.Values {
		pattern, negated := strings.CutPrefix(v, "!")
		for _, a := range attrs {
			if match(a, pattern) != negated {
				return true
			}
		}
	}
	return false
}

// filterAttributes returns the attributes of sec a filter key looks at and
// how a value matches one of them.
func filterAttributes(sec *secret, key string) ([]string, func(attr, value string) bool) {
	src := sec.source()
	var attrs []string
	switch key {
	case "name":
		attrs = []string{sec.name}
	case "description", "all":
		if key == "all" {
			attrs = append(attrs, sec.name)
		}
		if src.description != "" {
			attrs = append(attrs, src.description)
		}
		if key == "all" {
			for _, t := range src.tags {
				attrs = append(attrs, t.Key, t.Value)
			}
		}
		return attrs, wordsMatch
	case "tag-key", "tag-value":
		for _, t := range src.tags {
			if key == "tag-key" {
				attrs = append(attrs, t.Key)
			} else {
				attrs = append(attrs, t.Value)
			}
		}
	case "primary-region":
		if r := sec.primaryRegion(); r != "" {
			attrs = []string{r}
		}
	case "owning-service":
		if src.owningService != "" {
			attrs = []string{src.owningService}
		}
	}
	return attrs, strings.HasPrefix
}

// wordsMatch reports whether every word of value starts a word of attr,
// ignoring case.
func wordsMatch(attr, value string) bool {
	want := splitWords(value)
	if len(want) == 0 {
		return false
	}
	have := splitWords(attr)
	for _, w := range want {
		found := false
		for _, h := range have {
			if len(h) >= len(w) && strings.EqualFold(h[:len(w)], w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

const wordSeparators = "/-_+=.@"

// splitWords splits a name, description or search value into words (see
// matchesAll).
func splitWords(s string) []string {
	if len(s) == 1 && strings.Contains(wordSeparators, s) {
		return nil
	}
	var sep string
	for _, r := range wordSeparators {
		if strings.ContainsRune(s, r) {
			if sep != "" {
				return []string{s}
			}
			sep = string(r)
		}
	}
	if sep == "" {
		return splitCase(s)
	}
	var words []string
	for _, part := range strings.Split(s, sep) {
		words = append(words, splitCase(part)...)
	}
	return words
}

// caseWord is a character that is not a lower-case letter followed by
// lower-case letters: where a new word starts.
var caseWord = regexp.MustCompile(`[^a-z][a-z]+`)

// splitCase splits s before each caseWord, trimming spaces and dropping
// empty pieces.
func splitCase(s string) []string {
	var words []string
	add := func(w string) {
		if w = strings.TrimSpace(w); w != "" {
			words = append(words, w)
		}
	}
	last := 0
	for _, m := range caseWord.FindAllStringIndex(s, -1) {
		add(s[last:m[0]])
		add(s[m[0]:m[1]])
		last = m[1]
	}
	add(s[last:])
	return words
}
