package nlp

import (
	"bufio"
	_ "embed"
	"math"
	"strconv"
	"strings"

	"github.com/parley-cc/parley"
)

//go:embed data/vader_lexicon.tsv
var vaderLexicon string

//go:embed data/contact_center.tsv
var contactCenterLexicon string

// Sentiment scores text in [-1, 1] with a lexicon and rules, the approach of VADER (Hutto & Gilbert,
// 2014): word valences from its human-rated lexicon, adjusted for negation ("not happy"), intensifiers
// ("really", "so"), contrast ("…, but …") and exclamation, plus a contact-center overlay of phrases
// ("third time I am calling", "cancel my account", "thanks so much") and of words whose general valence
// misleads in calls ("okay", "please", "like"). A lexicon needs no training data, runs at millions of
// words per second, explains every score, and can be extended by editing a table — which matters more
// for QA teams than the few points a trained model might add on a benchmark unlike their calls.
type Sentiment struct {
	words   map[string]float64
	phrases map[string]float64 // multi-word, joined by spaces
	longest int                // words in the longest phrase
}

// Sentiment labels.
const (
	Negative = parley.SentimentNegative
	Neutral  = parley.SentimentNeutral
	Positive = parley.SentimentPositive
)

// NewSentiment builds the default analyser.
func NewSentiment() *Sentiment {
	s := &Sentiment{words: map[string]float64{}, phrases: map[string]float64{}}
	s.load(vaderLexicon)
	s.load(contactCenterLexicon)
	return s
}

func (s *Sentiment) load(table string) {
	sc := bufio.NewScanner(strings.NewReader(table))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		term, val, ok := strings.Cut(line, "\t")
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || err != nil {
			continue
		}
		ws := words(normalize(term))
		switch len(ws) {
		case 0: // emoticons: ASR never writes them
		case 1:
			s.words[ws[0]] = v
		default:
			s.phrases[strings.Join(ws, " ")] = v
			s.longest = max(s.longest, len(ws))
		}
	}
}

var negators = set("not no never nothing nobody none neither nor cannot without hardly barely nowhere")

// boosters raise (or, negative, lower) the intensity of the next sentiment word.
var boosters = map[string]float64{
	"really": 0.293, "very": 0.293, "so": 0.293, "extremely": 0.293, "totally": 0.293, "absolutely": 0.293,
	"incredibly": 0.293, "super": 0.293, "completely": 0.293, "truly": 0.293, "too": 0.293, "most": 0.293,
	"highly": 0.293, "utterly": 0.293, "especially": 0.293, "quite": 0.15, "pretty": 0.15,
	"slightly": -0.293, "somewhat": -0.293, "barely": -0.293, "kinda": -0.293, "little": -0.293, "bit": -0.2,
}

// fillers are dropped: ASR writes them, they carry no sentiment, and they would stretch negation windows.
var fillers = set("um umm uh uhh erm er hmm mm mhm ah")

var contrast = set("but however although though yet")

// Score returns the sentiment of text in [-1, 1].
func (s *Sentiment) Score(text string) float64 {
	var ws []string
	for _, w := range words(normalize(text)) {
		if !fillers[w] {
			ws = append(ws, w)
		}
	}
	vals := make([]float64, len(ws))
	matched := make([]bool, len(ws))
	for i := 0; i < len(ws); i++ { // longest phrase first
		for n := min(s.longest, len(ws)-i); n >= 2; n-- {
			if v, ok := s.phrases[strings.Join(ws[i:i+n], " ")]; ok {
				vals[i] = v
				for k := i; k < i+n; k++ {
					matched[k] = true
				}
				i += n - 1
				break
			}
		}
	}
	for i, w := range ws {
		if !matched[i] {
			vals[i] = s.words[w]
		}
	}
	last := -1
	for i, w := range ws {
		if contrast[w] {
			last = i
		}
	}
	var sum float64
	for i, v := range vals {
		if v == 0 {
			continue
		}
		for d := 1; d <= 3 && i-d >= 0; d++ {
			if b, ok := boosters[ws[i-d]]; ok && !matched[i-d] {
				b *= []float64{1, 0.95, 0.9}[d-1]
				if v < 0 {
					b = -b
				}
				v += b
			}
			if negators[ws[i-d]] { // a phrase's value sits on its first word: earlier words are outside it
				v *= -0.74
				break
			}
		}
		switch {
		case last >= 0 && i < last:
			v *= 0.5
		case last >= 0 && i > last:
			v *= 1.5
		}
		sum += v
	}
	if sum != 0 {
		if ex := min(strings.Count(text, "!"), 4); ex > 0 {
			sum += math.Copysign(0.292*float64(ex), sum)
		}
	}
	return max(-1, min(1, sum/math.Sqrt(sum*sum+15)))
}

// Label names a score: positive from 0.05, negative from -0.05, neutral between (parley.SentimentLabel).
func Label(score float64) string { return parley.SentimentLabel(score) }
