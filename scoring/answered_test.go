package scoring

import (
	"strings"
	"testing"

	"github.com/parley-cc/parley"
)

// The default identity item is met where the customer answers the agent with personal data and little
// else, however the agent's question was heard — also on a call whose condition (the account, a card,
// a bill) no one was heard to say — but not when the question reads like one of its counter-examples
// (a new address, an amount), nor when the answer is mostly something else. Where the condition was
// not seen only an answer that is a check by itself counts (answered_unseen_with): a caller thinking of
// switching gives a postcode for a coverage check, not to prove who they are. The lines are written for
// this test.
func TestAnsweredWith(t *testing.T) {
	sc := onEncoder(t, Default())
	for _, c := range []struct {
		name             string
		opening          string // the customer's first turn
		question, answer string
		typ, said        string // the answer's entity mention
		want             string
		why              string // in the reason
	}{
		{"garbled question, account number", "My bill has gone up again.", "What's the count number?", "4471902.", "NUMBER", "4471902", parley.ItemPass, `answered the agent's turn at 0:07 with NUMBER "4471902"`},
		{"date of birth, no account said", "My password doesn't work.", "So, here in the county news, you need to have", "The ninth of May 1961.", "DATE_OF_BIRTH", "ninth of May 1961", parley.ItemPass, "said although its condition was not seen"},
		{"redacted answer", "My bill has gone up again.", "What's the count number?", "[NUMBER]", "NUMBER", "[NUMBER]", parley.ItemPass, `NUMBER "[NUMBER]"`},
		{"postcode, no account said", "I'm not with you yet, I'm thinking of switching.", "Can I get your post go?", "LS6 2AB.", "ADDRESS", "LS6 2AB", parley.ItemNA, "does not apply"},
		{"postcode, the bill said", "My bill has gone up again.", "Can I get your post go?", "LS6 2AB.", "ADDRESS", "LS6 2AB", parley.ItemPass, `answered the agent's turn at 0:07 with ADDRESS "LS6 2AB"`},
		{"the new address", "I'm moving house and my bill needs to go there.", "And what's the new address you're moving to?", "41 Station Street.", "ADDRESS", "41 Station Street", parley.ItemFail, ""},
		{"a price read back", "My bill has gone up again.", "How much was the bill before that?", "125.", "NUMBER", "125", parley.ItemFail, ""},
		{"mostly something else", "My bill has gone up again.", "What's the count number?", "It's 4471902 but honestly I have been waiting for weeks for somebody to sort this out.", "NUMBER", "4471902", parley.ItemFail, ""},
	} {
		tr := transcript(line{A, 0, 3, "Hello, this is Sam."}, line{C, 4, 6, c.opening}, line{A, 7, 9, c.question}, line{C, 10, 13, c.answer}, line{A, 14, 16, "Thanks."})
		an := &parley.Analysis{Entities: []parley.EntityMention{{Type: c.typ, Text: c.said, Speaker: C, Turn: 3, Start: 10}}}
		var r parley.ItemResult
		for _, x := range sc.Score(Call{Transcript: tr, Analysis: an, DurationS: 17}).Items {
			if x.ID == "identity_verification" {
				r = x
			}
		}
		if r.Status != c.want || !strings.Contains(r.Reason, c.why) {
			t.Errorf("%s: %s (%s), want %s with %q", c.name, r.Status, r.Reason, c.want, c.why)
		}
		if c.want == parley.ItemPass && (len(r.Evidence) != 2 || r.Evidence[0].Turn != 2 || r.Evidence[1].Turn != 3) {
			t.Errorf("%s: evidence %+v, want the question's turn and the answer's", c.name, r.Evidence)
		}
	}
}
