package nlp

import (
	"regexp"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/testenv"
)

// framing are the words a summary line adds around what the call said.
var framing = regexp.MustCompile(`^(Called about [a-z ]+: |Customer: |Customer threatened to (leave|escalate): |Agent: |Next: |Customer ended (positive|neutral|negative) \([-+][0-9.]+\))`)

// The testdata calls summarised, with and without the encoder: at most five lines, each a sentence of
// the turn it points at (or, for the mood, the customer's last turn and closing sentiment); every number
// and every capitalised word of the summary is said in the call — nothing is invented.
func TestSummaryQuotesTheCall(t *testing.T) {
	base, sent := encoders(t)
	with := analyzer(t, Options{Encoder: base, SentimentEncoder: sent})
	without := analyzer(t, Options{})
	facts := regexp.MustCompile(`[0-9]+|\b[A-Z][a-z']+\b`)
	for _, name := range []string{"address-change", "billing-dispute", "cancel-service", "identity-check"} {
		for mode, a := range map[string]*Analyzer{"encoder": with, "no encoder": without} {
			tr := testenv.RefTranscript(t, name)
			an := a.Analyze(tr)
			kinds := map[string]bool{}
			var said strings.Builder
			for _, tu := range tr.Turns {
				said.WriteString(tu.Text + " ")
			}
			if len(an.Summary) < 2 || len(an.Summary) > 5 {
				t.Errorf("%s, %s: %d lines", name, mode, len(an.Summary))
			}
			for _, l := range an.Summary {
				kinds[l.Kind] = true
				turn := tr.Turns[l.Turn]
				if l.Kind == parley.SummaryMood {
					if turn.Speaker != parley.RoleCustomer || l.Label != an.Sentiment.Customer.EndLabel && l.Label != Label(an.Sentiment.Customer.End) {
						t.Errorf("%s, %s: mood %+v", name, mode, l)
					}
				} else if !strings.Contains(turn.Text, l.Text) || l.Start != secs(turn.Start.Seconds()) {
					t.Errorf("%s, %s: %s line %q is not said at turn %d (%q)", name, mode, l.Kind, l.Text, l.Turn, turn.Text)
				}
				rest := framing.ReplaceAllString(l.String(), "")
				if rest == l.String() {
					t.Errorf("%s: line %q has no framing", name, l.String())
				}
				for _, f := range facts.FindAllString(rest, -1) {
					if !strings.Contains(said.String(), f) {
						t.Errorf("%s, %s: %q in the summary line %q is not said in the call", name, mode, f, l.String())
					}
				}
			}
			if !kinds[parley.SummaryReason] || !kinds[parley.SummaryMood] {
				t.Errorf("%s, %s: no reason or mood: %+v", name, mode, an.Summary)
			}
			if mode == "no encoder" && (kinds[parley.SummaryAction] || kinds[parley.SummaryNextStep]) {
				t.Errorf("%s: actions found without the encoder: %+v", name, an.Summary)
			}
			if mode == "encoder" && name == "billing-dispute" && !kinds[parley.SummaryAction] && !kinds[parley.SummaryNextStep] {
				t.Errorf("billing-dispute: the refund the agent issued is not in the summary: %+v", an.Summary)
			}
			t.Logf("%s, %s:", name, mode)
			for _, l := range an.Summary {
				t.Logf("  %s", l)
			}
		}
	}
}
