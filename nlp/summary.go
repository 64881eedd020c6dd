package nlp

import (
	_ "embed"

	"github.com/parley-cc/parley"
)

//go:embed data/summary.yaml
var summaryYAML []byte

// DefaultSummary embeds the built-in examples of agents' actions and next steps (nlp/data/summary.yaml).
func DefaultSummary(enc Embedder) (*Prototypes, error) {
	return loadPrototypes(enc, "summary.yaml", summaryYAML, true, parley.SummaryAction, parley.SummaryNextStep)
}

// summarize writes the call in at most five lines, each a sentence of the call at its turn or the
// customer's closing mood: why they called (the customer's sentence that gave the intent most of its
// vote), the first threat they made that is not that sentence, what the agent did and what happens next (the agent's sentences
// closest in meaning to the examples of each, when the encoder is there), how the customer ended.
// Nothing is paraphrased, so the summary holds no fact the call does not. reason indexes cs (-1: none).
func (a *Analyzer) summarize(tr *parley.Transcript, an *parley.Analysis, cs []sentence, reason int) ([]parley.SummaryLine, error) {
	line := func(kind, label, text string, turn int, score float64) parley.SummaryLine {
		t := tr.Turns[turn]
		return parley.SummaryLine{Kind: kind, Label: label, Text: text, Turn: turn, Speaker: t.Speaker, Start: secs(t.Start.Seconds()), Score: round3(score)}
	}
	var out []parley.SummaryLine
	if an.Intent != nil && reason >= 0 && reason < len(cs) {
		out = append(out, line(parley.SummaryReason, an.Intent.Label, cs[reason].text, cs[reason].turn, 0))
	}
	for _, th := range an.Threats { // the first that is not why they called ("I want to cancel")
		if len(out) == 0 || th.Text != out[0].Text || th.Turn != out[0].Turn {
			out = append(out, line(parley.SummaryThreat, th.Kind, th.Text, th.Turn, th.Similarity))
			break
		}
	}
	var err error
	if a.summary != nil {
		var moves []parley.SummaryLine
		moves, err = a.agentMoves(tr, line)
		out = append(out, moves...)
	}
	if s := an.Sentiment; s != nil && s.Customer != nil {
		last := -1
		for i, t := range tr.Turns {
			if t.Speaker == parley.RoleCustomer {
				last = i
			}
		}
		label := s.Customer.EndState()
		if last >= 0 {
			out = append(out, line(parley.SummaryMood, label, "", last, s.Customer.End))
		}
	}
	return out, err
}

// agentMoves finds the agent's sentence most like an action and the one most like a next step (another
// sentence), each only when it matches its kind (nlp/data/summary.yaml); the agent's turns before the
// customer first speaks (the greeting) are not read. On a call whose speakers are not told apart, every
// sentence is read.
func (a *Analyzer) agentMoves(tr *parley.Transcript, line func(kind, label, text string, turn int, score float64) parley.SummaryLine) ([]parley.SummaryLine, error) {
	hasAgent := speaks(tr, parley.RoleAgent)
	var ss []sentence
	heard := !hasAgent // what the agent does comes after the customer has said why they call
	for i, t := range tr.Turns {
		heard = heard || t.Speaker == parley.RoleCustomer
		if !heard || t.Speaker == parley.RoleCustomer || hasAgent && t.Speaker != parley.RoleAgent {
			continue
		}
		for _, s := range sentences(t.Text) {
			if len(words(s)) >= 4 && !IsQuestion(s) {
				ss = append(ss, sentence{turn: i, text: s})
			}
		}
	}
	if err := a.embedSentences(ss); err != nil || len(ss) == 0 {
		return nil, err
	}
	best := map[string]int{}
	sims := make([]float64, len(ss))
	kinds := make([]string, len(ss))
	for i, sn := range ss {
		k, sim, _, counts := a.summary.Match(sn.emb)
		if !counts {
			continue
		}
		kinds[i], sims[i] = a.summary.Labels[k], sim
		if j, ok := best[kinds[i]]; !ok || sim > sims[j] {
			best[kinds[i]] = i
		}
	}
	var out []parley.SummaryLine
	act, hasAct := best[parley.SummaryAction]
	if hasAct {
		out = append(out, line(parley.SummaryAction, "", ss[act].text, ss[act].turn, sims[act]))
	}
	if next, ok := best[parley.SummaryNextStep]; ok && (!hasAct || next != act) {
		out = append(out, line(parley.SummaryNextStep, "", ss[next].text, ss[next].turn, sims[next]))
	}
	return out, nil
}
