package matching

import (
	"github.com/trustelem/zxcvbn/adjacency"
	"github.com/trustelem/zxcvbn/frequency"
	"github.com/trustelem/zxcvbn/match"
	"regexp"
	"sync"
)

func Omnimatch(password string, userInputs []string) (matches []*match.Match) {
	dicts, graphs := defaults() // suratdesa: built on first use, see defaults
	dictMatcher := dicts.withDict("user_inputs", buildRankedDict(userInputs))

	matchers := []match.Matcher{
		dictMatcher,
		reverseDictionnaryMatch{dm: dictMatcher},
		l33tMatch{dm: dictMatcher, table: l33tTable},
		spatialMatch{graphs: graphs},
		repeatMatch{},
		sequenceMatch{},
		regexpMatch{regexes: defaultRegexpMatch},
		dateMatch{},
	}

	for _, m := range matchers {
		matches = append(matches, m.Matches(password)...)
	}
	match.Sort(matches)
	return matches
}

// suratdesa addition: the ranked dictionaries and the adjacency graphs are
// built on first use, by defaults, instead of in package-level variables
// (upstream's defaultRankedDictionnaries and defaultGraphs), which Go
// builds at package init: about 40 ms and 10 MB at every start of a
// program that imports the package, whether it checks a password or not.
var (
	defaultsOnce               sync.Once
	defaultRankedDictionnaries dictionaryMatch
	defaultGraphs              []*adjacency.Graph
)

// defaults returns the ranked dictionaries of the frequency lists and the
// adjacency graphs, building them on the first call. sync.Once makes
// concurrent first callers wait for the one that builds them; afterwards
// they are only read, so callers share them.
func defaults() (dictionaryMatch, []*adjacency.Graph) {
	defaultsOnce.Do(func() {
		defaultRankedDictionnaries = loadDefaultDictionnaries()
		defaultGraphs = loadDefaultAdjacencyGraphs()
	})
	return defaultRankedDictionnaries, defaultGraphs
}

var (
	defaultRegexpMatch = []struct {
		Name   string
		Regexp *regexp.Regexp
	}{
		{
			Name:   "recent_year",
			Regexp: regexp.MustCompile(`19\d\d|200\d|201\d`),
		},
	}
	l33tTable = map[string][]string{
		"a": {"4", "@"},
		"b": {"8"},
		"c": {"(", "{", "[", "<"},
		"e": {"3"},
		"g": {"6", "9"},
		"i": {"1", "!", "|"},
		"l": {"1", "|", "7"},
		"o": {"0"},
		"s": {"$", "5"},
		"t": {"+", "7"},
		"x": {"%"},
		"z": {"2"},
	}
)

func loadDefaultDictionnaries() dictionaryMatch {
	rd := make(map[string]rankedDictionnary)
	for n, list := range frequency.FrequencyLists() {
		rd[n] = buildRankedDict(list)
	}
	return dictionaryMatch{
		rankedDictionaries: rd,
	}
}

func loadDefaultAdjacencyGraphs() []*adjacency.Graph {
	graphs := adjacency.Graphs()
	return []*adjacency.Graph{
		graphs["qwerty"],
		graphs["dvorak"],
		graphs["keypad"],
		graphs["mac_keypad"],
	}

}
