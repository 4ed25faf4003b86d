package lake

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Weights of a search term found in a sample's name, description or SQL
// (the best of the three counts).
const (
	weightName        = 1.0
	weightDescription = 0.7
	weightSQL         = 0.4
)

// SampleMatch is a sample query with its relevance to a search phrase.
type SampleMatch struct {
	SampleQuery
	Relevance float64 // 0 to 1
}

// sampleTerms are the stemmed words of each sample's name, description and SQL.
type sampleTerms struct {
	name, description, sql map[string]bool
}

var indexedSamples = sync.OnceValues(func() ([]sampleTerms, error) {
	samples, err := SampleQueries()
	if err != nil {
		return nil, err
	}
	out := make([]sampleTerms, len(samples))
	for i, s := range samples {
		out[i] = sampleTerms{name: termSet(s.Name), description: termSet(s.Description), sql: termSet(s.SQL)}
	}
	return out, nil
})

// SearchSamples scores every sample query against phrase and returns those
// sharing at least one term with it, most relevant first. Relevance is the
// weighted share of the phrase's terms (words other than stop words, with
// simple stemming and a few synonyms) found in the sample: a term in the
// name counts weightName, in the description weightDescription, in the SQL
// weightSQL.
func SearchSamples(phrase string) ([]SampleMatch, error) {
	samples, err := SampleQueries()
	if err != nil {
		return nil, err
	}
	index, err := indexedSamples()
	if err != nil {
		return nil, err
	}
	terms := searchTerms(phrase)
	if len(terms) == 0 {
		return nil, nil
	}
	var out []SampleMatch
	for i, st := range index {
		score := 0.0
		for _, t := range terms {
			switch {
			case st.name[t]:
				score += weightName
			case st.description[t]:
				score += weightDescription
			case st.sql[t]:
				score += weightSQL
			}
		}
		if score > 0 {
			rel := math.Round(score/float64(len(terms))*1000) / 1000
			out = append(out, SampleMatch{SampleQuery: samples[i], Relevance: rel})
		}
	}
	slices.SortStableFunc(out, func(a, b SampleMatch) int { return cmp.Compare(b.Relevance, a.Relevance) })
	return out, nil
}

// searchTerms are the distinct terms of a phrase, stop words left out.
func searchTerms(phrase string) []string {
	var out []string
	for _, w := range words(phrase) {
		if stopWords[w] {
			continue
		}
		if t := stem(w); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func termSet(text string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words(text) {
		m[stem(w)] = true
	}
	return m
}

// words splits text into lower-case runs of letters and digits; identifiers
// are also split at case changes (eventName gives event and name too).
func words(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out = append(out, strings.ToLower(f))
		if parts := splitCamel(f); len(parts) > 1 {
			out = append(out, parts...)
		}
	}
	return out
}

// splitCamel splits "eventName" into "event", "name" (lower case).
func splitCamel(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i := 1; i < len(rs); i++ {
		if unicode.IsUpper(rs[i]) && unicode.IsLower(rs[i-1]) {
			out = append(out, strings.ToLower(string(rs[start:i])))
			start = i
		}
	}
	return append(out, strings.ToLower(string(rs[start:])))
}

// stem reduces a lower-case word to a crude stem, so "deleted", "deletion"
// and "delete" match, and maps a few synonyms to one term.
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		w = w[:len(w)-3] + "y"
	case len(w) > 6 && strings.HasSuffix(w, "ion"):
		w = w[:len(w)-3]
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		w = w[:len(w)-3]
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		w = w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		w = w[:len(w)-1]
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	if s, ok := synonyms[w]; ok {
		return s
	}
	return w
}

// synonyms map stems to the term samples use.
var synonyms = map[string]string{
	"login": "signin", "logon": "signin", "sign": "signin", "logg": "signin",
	"deny": "deni", "unauthoriz": "deni", "forbidden": "deni",
	"remov": "delet", "eras": "delet",
	"address": "ip", "sourceipaddress": "ip",
	"caller": "user", "principal": "user", "who": "user", "identity": "user",
	"cloudtrail": "trail", "failur": "fail", "unsuccessful": "fail",
	"firewall": "security",
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the of for in on at by to and or with from into about show me find list
		all which what when where that is are was were be been my i get query queries sample any did do does it its this
		these those there how many much have has had can could would should please give tell see look`) {
		m[w] = true
	}
	return m
}()
