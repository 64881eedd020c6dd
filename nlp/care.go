package nlp

import (
	"regexp"
	"strings"

	"github.com/parley-cc/parley"
)

// An agent's apology or sympathy ("I'm so sorry, that sounds awful.") says the agent cares, not that the
// agent is negative. careRe finds one in a sentence; notCareRe the sentences that apologise for
// something else: a refusal or bad news ("Sorry, but…", "I'm afraid…"), a request to repeat.
var (
	careRe = regexp.MustCompile(`(?i)\b(?:sorry|apologi[sz]e|apologies|condolences)\b|` +
		`(?i)^(?:(?:oh|ah|ugh|oh no|oh dear)[,!.]? )?(?:that's|that is|that sounds|that must be|that must have been|what a)(?: so| really| very| just| such)? (?:a )?` +
		`(?:annoying|awful|frustrating|a pain|pain|horrible|terrible|stressful|worrying|upsetting|nuisance|disappointing|irritating|rubbish|poor|not good|not acceptable|unacceptable|not on)\b|` +
		`(?i)\bI (?:completely |totally |really |can )?(?:understand|get|imagine|see) (?:why|how)\b`)
	notCareRe = regexp.MustCompile(`(?i)\b(?:but|however|afraid|unfortunately|can't|cannot|won't|didn't catch|say that again|repeat that|pardon)\b`)
)

// caring reports whether an agent's sentence is an apology or sympathy and nothing else: not a question,
// a refusal or bad news.
func caring(s string) bool {
	s = strings.TrimSpace(s)
	return careRe.MatchString(s) && !notCareRe.MatchString(s) && !IsQuestion(s)
}

// WithoutCare returns an agent's turn without its sentences of apology or sympathy (caring) — "" when
// nothing else is left — and whether it had any.
func WithoutCare(text string) (rest string, cared bool) {
	var kept []string
	for _, s := range sentences(text) {
		if caring(s) {
			cared = true
		} else {
			kept = append(kept, s)
		}
	}
	return strings.Join(kept, " "), cared
}

// withCare is an agent's turn as the analyzer reads it (whole: the turn's reading; rest: the reading
// of the turn without its sentences of apology or sympathy, nil when nothing else was left): a turn that
// reads negative is what the rest of it reads, and neutral when it was nothing but care.
func withCare(whole SentimentResult, rest *SentimentResult) SentimentResult {
	switch {
	case whole.Label != Negative:
		return whole
	case rest == nil:
		return SentimentResult{Label: Neutral, Probs: [3]float64{0, 1, 0}}
	}
	return *rest
}

// withoutCare returns, for each agent turn with sentences of apology or sympathy (WithoutCare), the rest
// of the turn ("" when nothing else is left): the agent's sentiment is read without them. Only on calls
// whose agent and customer are told apart.
func withoutCare(tr *parley.Transcript) map[int]string {
	if !speaks(tr, parley.RoleAgent) || !speaks(tr, parley.RoleCustomer) {
		return nil
	}
	out := map[int]string{}
	for i, t := range tr.Turns {
		if t.Speaker != parley.RoleAgent {
			continue
		}
		if rest, cared := WithoutCare(t.Text); cared {
			out[i] = rest
		}
	}
	return out
}
