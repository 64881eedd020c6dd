package nlp

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/testenv"
)

func analyzer(t testing.TB, opts Options) *Analyzer {
	t.Helper()
	a, err := NewAnalyzer(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSentimentLabelled scores hand-labelled contact-center utterances (testdata/sentiment). 90 % is
// the bar: the set is small and written to include the hard cases (negation, contrast, fillers).
func TestSentimentLabelled(t *testing.T) {
	f, err := os.Open(filepath.Join(testenv.Root(), "testdata", "sentiment", "contact-center.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	s := NewSentiment()
	right := 0
	for _, r := range rows[1:] {
		got := Label(s.Score(r[0]))
		if got == r[1] {
			right++
		} else {
			t.Logf("%q: %s (%.3f), labelled %s", r[0], got, s.Score(r[0]), r[1])
		}
	}
	acc := float64(right) / float64(len(rows)-1)
	t.Logf("accuracy %.3f on %d utterances", acc, len(rows)-1)
	if acc < 0.9 {
		t.Errorf("accuracy %.3f < 0.90", acc)
	}
}

func TestSentimentRules(t *testing.T) {
	s := NewSentiment()
	for _, tt := range []struct {
		name   string
		lo, hi string // Score(lo) < Score(hi)
	}{
		{"negation flips", "I am not happy", "I am happy"},
		{"intensifier strengthens positive", "thanks", "thanks so much"},
		{"intensifier strengthens negative", "this is really bad", "this is bad"},
		{"contrast: the clause after but weighs more", "the agent was nice but the wait was terrible", "the wait was terrible but the agent was nice"},
		{"repeat calls are negative", "this is the third time I am calling", "I am calling about my bill"},
		{"cancelling is negative", "cancel my account please", "check my account please"},
	} {
		if lo, hi := s.Score(tt.lo), s.Score(tt.hi); lo >= hi {
			t.Errorf("%s: %q %.3f should be below %q %.3f", tt.name, tt.lo, lo, tt.hi, hi)
		}
	}
	if a, b := s.Score("um this is uh really frustrating"), s.Score("this is really frustrating"); a != b {
		t.Errorf("fillers changed the score: %.3f vs %.3f", a, b)
	}
	for _, text := range []string{"", "   ", "😀😀", "مرحبا", "e\u0301\u200b", "\xff\xfe"} {
		if v := s.Score(text); v < -1 || v > 1 {
			t.Errorf("%q: %v", text, v)
		}
	}
}

func TestEntities(t *testing.T) {
	x := NewExtractor([]string{"Fibre Max"})
	tests := []struct {
		text string
		want []string // TYPE:text
	}{
		{"my card number is four one one one one one one one one one one one one one one one", []string{"CARD_NUMBER:four one one one one one one one one one one one one one one one"}},
		{"card 4111 1111 1111 1112", []string{"NUMBER:4111 1111 1111 1112"}}, // fails Luhn: not a card
		{"my account number is double seven two four one nine", []string{"ACCOUNT_NUMBER:double seven two four one nine"}},
		{"order 55512 for the Fibre Max plan", []string{"ORDER_NUMBER:55512", "PRODUCT:Fibre Max"}},
		{"you can reach me on 0 7 7 0 0 9 0 0 1 2 3", []string{"PHONE:0 7 7 0 0 9 0 0 1 2 3"}},
		{"write to john dot smith at example dot com or jane@example.org", []string{"EMAIL:john dot smith at example dot com", "EMAIL:jane@example.org"}},
		{"I live at Fourteen Maple Street.", []string{"ADDRESS:Fourteen Maple Street"}},
		{"my date of birth is the third of March nineteen eighty five", []string{"DATE_OF_BIRTH:the third of March nineteen eighty five"}},
		{"I paid $49.99 and then fifty dollars", []string{"MONEY:$49.99", "MONEY:fifty dollars"}},
		{"the visit is on the 3rd of June at 10:30 am", []string{"DATE:the 3rd of June", "TIME:10:30 am"}},
		{"Hi Sarah, this is John Smith from Boston.", []string{"PERSON:Sarah", "PERSON:John Smith", "GPE:Boston"}},
		{"I am calling about my bill, I am leaving", nil},
		{"Thank you, goodbye.", nil},
		{"Thanks Sam. I've logged a formal complaint, and I've added a thirty pound credit.", []string{"MONEY:thirty pound"}}, // "I've" is no place
		{"“I’m calling for Sean O’Brien,” she said, “from Dublin.”", []string{"PERSON:Sean O’Brien", "GPE:Dublin"}},           // curly quotes: the name as written
		// postcodes: written, or said symbol by symbol where the postcode is talked about
		{"send it to SW1A 1AA please", []string{"ADDRESS:SW1A 1AA"}},
		{"my postcode is G two, three X Y", []string{"ADDRESS:G two, three X Y"}},
		{"the post code's L one eight, oh J D, that's right", []string{"ADDRESS:L one eight, oh J D"}},
		{"zip code nine oh two one oh", []string{"ADDRESS:nine oh two one oh"}},
		{"the postcode's B double four, two C R", []string{"ADDRESS:B double four, two C R"}},
		{"I need a new SIM for my phone", nil},             // no postcode, no cue: nothing
		{"my postcode changed when I moved, A and B", nil}, // a cue, but no postcode after it
	}
	for _, tt := range tests {
		var got []string
		for _, e := range x.Find(tt.text, nil) {
			got = append(got, e.Type+":"+e.Text)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q:\n got  %q\n want %q", tt.text, got, tt.want)
		}
	}
	// An answer is read with the question before it.
	for _, tt := range []struct {
		question, answer string
		want             []string
	}{
		{"Could you confirm your date of birth for me, please?", "Sure, it's the twelfth of May, nineteen ninety.", []string{"DATE_OF_BIRTH:the twelfth of May, nineteen ninety"}},
		{"What's your date of birth?", "Fourth of July eighty one.", []string{"DATE_OF_BIRTH:Fourth of July eighty one"}},
		{"And when were you born?", "Second of June, nineteen seventy.", []string{"DATE_OF_BIRTH:Second of June, nineteen seventy"}},
		{"Can I just check your day a birth please", "It's the third of October 1964", []string{"DATE_OF_BIRTH:the third of October 1964"}}, // "date of birth" as recognised
		{"When did the engineer come?", "The third of October, I think.", []string{"DATE:The third of October"}},
		{"When would suit you for the visit?", "The twelfth of June.", []string{"DATE:The twelfth of June"}},
		{"And what's your date of birth?", "Sorry, can you hold on until Friday?", []string{"DATE:Friday"}},
		{"And the postcode there?", "It's M four, one A B.", []string{"ADDRESS:M four, one A B"}},
		{"Which number shall I call?", "M four, one A B.", nil},
		{"Can I have the order number and the postcode?", "Order four four one two nine, and it's M four, one A B.", []string{"ORDER_NUMBER:four four one two nine", "ADDRESS:M four, one A B"}},
		// A postcode whose second half the recogniser garbled: the outward code and the rest of its clause.
		{"And what's the postcode there?", "It's N7 for the H.", []string{"ADDRESS:N7 for the H"}},
		{"Could I take the postcode?", "M20, the rest I'd have to check.", []string{"ADDRESS:M20"}},
		{"And the postcode?", "Sorry, can I call you back in five minutes?", nil}, // no outward code
		// A name in answer to a question about a name, though the recogniser mangled it.
		{"Could I have your full name please?", "Colin bakes.", []string{"PERSON:Colin"}},
		{"Can I take your name, please?", "Yeah, it's Ruth Oduya.", []string{"PERSON:Ruth Oduya"}},
		{"Can I take your name, please?", "Hold on, let me find it.", nil},
		{"Hi, my name's Sam, how can I help?", "My router is down.", nil}, // the agent's own name asks for none
		// An answer to an address question with numbers in it and no other personal data is the address.
		{"And the new address?", "It's twenty nine Fernlea, P R seven, 4 X.", []string{"ADDRESS:twenty nine Fernlea, P R seven, 4 X"}},
		{"And the new address?", "Hold on, I'll get the letter.", nil},
		{"And what's the post codo there?", "Seven Ferndale, B nine 4 K.", []string{"ADDRESS:Seven Ferndale, B nine 4 K"}}, // "postcode" as recognised
		{"Shall I post it to you?", "Yes please, by Friday the 9th.", []string{"DATE:Friday"}},                             // posting asks for no address
		// A house number after "address and date of birth" is no date of birth; the date is.
		{"Can you confirm your address and date of birth?", "12 Oak Road, and the fifth of May, 1980.", []string{"ADDRESS:12 Oak Road", "DATE_OF_BIRTH:the fifth of May, 1980"}},
		// A bare date of the last century is a date of birth whatever the (garbled) question.
		{"Okay, and the other thing?", "The fourth of March, nineteen sixty two.", []string{"DATE_OF_BIRTH:The fourth of March, nineteen sixty two"}},
		{"When did you join us?", "Oh, I joined on the second of July 1999, I think, with my husband.", []string{"DATE:the second of July 1999"}},
		// A year inside a date is no order number, whatever the question spoke of.
		{"When was the order placed?", "Second of July 2024.", []string{"DATE:Second of July 2024"}},
		// An adult born this century: a bare date of such a year is a date of birth too; one of last
		// year is not.
		{"Sorry, and the, er…", "Ninth of November 2003.", []string{"DATE_OF_BIRTH:Ninth of November 2003"}},
		{"Sorry, and the, er…", "The ninth of November, two thousand and three.", []string{"DATE_OF_BIRTH:The ninth of November, two thousand and three"}},
		{"When did it stop working?", "Ninth of November 2025.", []string{"DATE:Ninth of November 2025"}},
		{"When did it stop working?", "The ninth of November, two thousand and twenty four.", []string{"DATE:The ninth of November, two thousand and twenty four"}},
		// Who the caller is asks for a name; a name the entity recogniser took for a place is a name there.
		{"Thanks, and who am I talking to today?", "That's me, Tomasz Wren.", []string{"PERSON:Tomasz Wren"}},
		{"Whose name is the bill in?", "Keziah Oduro.", []string{"PERSON:Keziah Oduro"}},
		{"Who's the account holder, please?", "Hold on, it's my wife's.", nil},
		{"Where are you calling from?", "From home, in Leeds.", []string{"GPE:Leeds"}}, // no name asked: a place
		// An answer to an email question that names a mail domain is the address, as the recogniser wrote it.
		{"What's the best email for you?", "It's rhona.baxteratoutlook.com, all lower case.", []string{"EMAIL:rhona.baxteratoutlook.com, all lower case"}},
		{"And an email address?", "Yeah, rhona baxter at gmail dot com.", []string{"EMAIL:rhona baxter at gmail dot com"}},
		{"And an email address?", "I don't really use email, sorry.", nil},
	} {
		var got []string
		for _, e := range x.FindAfter(tt.question, tt.answer, nil) {
			got = append(got, e.Type+":"+e.Text)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q — %q:\n got  %q\n want %q", tt.question, tt.answer, got, tt.want)
		}
	}
	if !luhn("4111111111111111") || luhn("4111111111111112") {
		t.Error("Luhn check")
	}
}

// A sentence that is mostly personal data (at least half its letters and digits inside PII entities)
// is no reason for the call and no threat.
func TestMostlyPersonal(t *testing.T) {
	ent := func(text, typ, part string) Entity {
		i := strings.Index(text, part)
		return Entity{Type: typ, Text: part, Start: i, End: i + len(part)}
	}
	for _, c := range []struct {
		text, typ, part string
		want            bool
	}{
		{"16 Hawthorne close", EntAddress, "16 Hawthorne close", true}, // tiny.en's reading of an address on a labelled call
		{"It's 9 Cedar Grove, thanks.", EntAddress, "9 Cedar Grove", true},
		{"I've moved to 9 Cedar Grove and the bills still go to the old house.", EntAddress, "9 Cedar Grove", false},
		{"The fourth of April, nineteen eighty two.", EntDOB, "fourth of April, nineteen eighty two", true},
		{"The engineer came on the fourth of April.", EntDate, "the fourth of April", false}, // a date is not personal data
		{"My router keeps dropping.", "", "", false},
	} {
		var ents []Entity
		if c.typ != "" {
			ents = append(ents, ent(c.text, c.typ, c.part))
		}
		if got := mostlyPersonal(c.text, [2]int{0, len(c.text)}, ents); got != c.want {
			t.Errorf("%q with %v: %v, want %v", c.text, ents, got, c.want)
		}
	}
}

// TestCallAnalysis runs the NLP stage on the reference transcripts of the testdata calls.
func TestCallAnalysis(t *testing.T) {
	a := analyzer(t, Options{})
	tests := []struct {
		call       string
		intent     string
		phrase     string // must be among the key phrases
		custEndPos bool   // customer ends positive
		custNeg    bool   // customer negative overall
	}{
		{"billing-dispute", "billing_dispute", "internet bill", true, false},
		{"cancel-service", "cancel_service", "same problem", false, true},
		{"address-change", "address_change", "billing address", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			an := a.Analyze(testenv.RefTranscript(t, tt.call))
			if an.Status != parley.AnalysisOK || an.Intent == nil || an.Intent.Label != tt.intent {
				t.Errorf("status %s intent %+v, want %s", an.Status, an.Intent, tt.intent)
			}
			if len(an.Intent.Top) < 2 || an.Intent.Confidence <= 0 || an.Intent.Confidence > 1 {
				t.Errorf("intent top %+v", an.Intent.Top)
			}
			var phrases []string
			for _, k := range an.KeyPhrases {
				phrases = append(phrases, k.Text)
				if k.Count == 0 || len(k.Occurrences) != k.Count {
					t.Errorf("phrase %+v without its occurrences", k)
				}
			}
			if !slices.Contains(phrases, tt.phrase) {
				t.Errorf("key phrases %q lack %q", phrases, tt.phrase)
			}
			c := an.Sentiment.Customer
			if c == nil || an.Sentiment.Agent == nil || len(an.Sentiment.Turns) == 0 {
				t.Fatalf("sentiment %+v", an.Sentiment)
			}
			if tt.custEndPos && (c.End <= 0 || c.Change <= 0) {
				t.Errorf("customer should end positive and improve: %+v", c)
			}
			if tt.custNeg && (c.Overall >= 0 || c.Label != Negative || c.Min > -0.5) {
				t.Errorf("customer should be negative: %+v", c)
			}
		})
	}
}

// Gold key phrases of the testdata calls, picked by reading the scripts: what a coach would search for.
var goldPhrases = map[string][]string{
	"billing-dispute": {"internet bill", "second charge", "duplicate payment", "refund", "account number"},
	"cancel-service":  {"same problem", "connection", "technician", "visit", "service"},
	"address-change":  {"billing address", "new address", "next bill", "next month"},
	"identity-check":  {"email address", "billing address", "card number", "payment", "date of birth"},
}

// TestKeyPhraseMethods compares TextRank with RAKE against the gold phrases: precision of the top 5 and
// recall of the top 10. TextRank is the default; it must rank at least as well as RAKE on both.
func TestKeyPhraseMethods(t *testing.T) {
	prec, rec := map[string]float64{}, map[string]float64{}
	for _, m := range []string{TextRank, RAKE} {
		a := analyzer(t, Options{Method: m, KeyPhrases: 10})
		hits5, n5, hits10, gold := 0, 0, 0, 0
		for call, want := range goldPhrases {
			gold += len(want)
			for i, k := range a.Analyze(testenv.RefTranscript(t, call)).KeyPhrases {
				hit := slices.Contains(want, k.Text)
				if i < 5 {
					n5++
					if hit {
						hits5++
					}
				}
				if hit {
					hits10++
				}
			}
		}
		prec[m], rec[m] = float64(hits5)/float64(n5), float64(hits10)/float64(gold)
	}
	t.Logf("precision@5: textrank %.2f, rake %.2f; recall@10: textrank %.2f, rake %.2f", prec[TextRank], prec[RAKE], rec[TextRank], rec[RAKE])
	if prec[TextRank] < prec[RAKE] || rec[TextRank] < rec[RAKE] || prec[TextRank] < 0.5 {
		t.Errorf("textrank does not rank better than rake")
	}
}

// TestRedaction: with redaction on, no PII of the identity-check call survives anywhere in the
// transcript or the analysis — nor in the texts kept beside the transcript: a translation and a
// second hearing of the agent (here each a copy of the call's words).
func TestRedaction(t *testing.T) {
	a := analyzer(t, Options{Redact: true})
	tr := testenv.RefTranscript(t, "identity-check")
	tr.Translation = slices.Clone(tr.Segments)
	tr.Again = &parley.Hearing{Model: "m", Segments: slices.Clone(tr.Segments), Turns: slices.Clone(tr.Turns)}
	an := a.Analyze(tr)
	b, _ := json.Marshal(map[string]any{"transcript": tr, "analysis": an})
	out := strings.ToLower(string(b))
	for _, pii := range piiOfIdentityCheck {
		if strings.Contains(out, pii) {
			t.Errorf("%q survived redaction", pii)
		}
	}
	for _, tag := range []string{"[person]", "[date_of_birth]", "[email]", "[card_number]", "[phone]", "[address]"} {
		if !strings.Contains(out, tag) {
			t.Errorf("no %s in the redacted output", tag)
		}
	}
}

// piiOfIdentityCheck is every piece of PII the identity-check script speaks, lower case.
var piiOfIdentityCheck = []string{"maria", "john", "smith", "third of march", "nineteen eighty", "dot com", "example",
	"four one one one", "one one one one", "zero seven seven", "nine zero zero", "fourteen maple", "maple street"}

func TestBadTranscripts(t *testing.T) {
	a := analyzer(t, Options{Redact: true})
	long := strings.Repeat("the router keeps dropping and I want a refund ", 1000) // 10,000 words
	odd := "😡😡 ça ne marche pas \u200b\u0301 مرحبا \xff\xfe my card is 4111 1111 1111 1111"
	turn := func(role parley.Role, text string) parley.Turn { return parley.Turn{Speaker: role, Text: text} }
	tests := []struct {
		name   string
		tr     parley.Transcript
		status string
		check  func(t *testing.T, an *parley.Analysis, tr *parley.Transcript)
	}{
		{"empty", parley.Transcript{Language: "en"}, parley.AnalysisEmpty, nil},
		{"not English", parley.Transcript{Language: "de", Turns: []parley.Turn{turn(parley.RoleCustomer, "Ich möchte kündigen")}}, parley.AnalysisUnsupportedLanguage,
			func(t *testing.T, an *parley.Analysis, _ *parley.Transcript) {
				if an.Intent != nil || an.Sentiment != nil {
					t.Error("NLP guessed on a language it does not read")
				}
			}},
		{"agent only", parley.Transcript{Language: "en", Turns: []parley.Turn{turn(parley.RoleAgent, "Hello? Is anyone there?")}}, parley.AnalysisOK,
			func(t *testing.T, an *parley.Analysis, _ *parley.Transcript) {
				if an.Sentiment.Customer != nil || an.Sentiment.Agent == nil {
					t.Errorf("sentiment %+v", an.Sentiment)
				}
			}},
		{"mono", parley.Transcript{Language: "en", Turns: []parley.Turn{turn(parley.RoleUnknown, "I want to cancel my account")}}, parley.AnalysisOK,
			func(t *testing.T, an *parley.Analysis, _ *parley.Transcript) {
				if an.Sentiment.Unknown == nil || an.Intent == nil || len(an.Notes) == 0 {
					t.Errorf("mono: %+v notes %v", an.Sentiment, an.Notes)
				}
			}},
		{"10,000-word turn", parley.Transcript{Language: "en", Turns: []parley.Turn{turn(parley.RoleCustomer, long)}}, parley.AnalysisOK,
			func(t *testing.T, an *parley.Analysis, _ *parley.Transcript) {
				if an.KeyPhrases[0].Count < 100 {
					t.Errorf("key phrases %+v", an.KeyPhrases[:1])
				}
			}},
		{"odd unicode", parley.Transcript{Language: "en", Turns: []parley.Turn{turn(parley.RoleCustomer, odd)}}, parley.AnalysisOK,
			func(t *testing.T, an *parley.Analysis, tr *parley.Transcript) {
				if strings.Contains(tr.Turns[0].Text, "4111") {
					t.Errorf("card survived: %q", tr.Turns[0].Text)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := tt.tr
			an := a.Analyze(&tr)
			if an.Status != tt.status {
				t.Fatalf("status %s, want %s", an.Status, tt.status)
			}
			if tt.check != nil {
				tt.check(t, an, &tr)
			}
			if _, err := json.Marshal(an); err != nil {
				t.Error(err)
			}
		})
	}
}

// BenchmarkAnalyzeTurns measures the whole NLP stage (tags, entities, sentiment, intent, key phrases)
// over 10,000 turns of the testdata calls on one goroutine, and reports turns per second.
func BenchmarkAnalyzeTurns(b *testing.B) {
	a := analyzer(b, Options{Redact: true})
	var base []parley.Turn
	for call := range goldPhrases {
		base = append(base, testenv.RefTranscript(b, call).Turns...)
	}
	turns := make([]parley.Turn, 10000)
	for i := range turns {
		turns[i] = base[i%len(base)]
		turns[i].Start = time.Duration(i) * time.Second
	}
	b.ResetTimer()
	for b.Loop() {
		// Calls of 40 turns, as in a contact center.
		for i := 0; i < len(turns); i += 40 {
			tr := &parley.Transcript{Language: "en", Turns: slices.Clone(turns[i:min(i+40, len(turns))])}
			a.Analyze(tr)
		}
	}
	b.ReportMetric(float64(len(turns)*b.N)/b.Elapsed().Seconds(), "turns/s")
}

func TestIsQuestion(t *testing.T) {
	for text, want := range map[string]bool{
		"How can I help?":        true,
		"Really?!":               true,
		`"Is it on the bill?"`:   true,
		"(Did it arrive?) ":      true,
		"Great!":                 false,
		"I've updated it.":       false,
		"Can you hear me":        false, // no mark, no question: the words are not read
		"What? No, that's fine.": false, // one sentence of Sentences' each
		"":                       false,
	} {
		if got := IsQuestion(text); got != want {
			t.Errorf("IsQuestion(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Hello. How can I help?", []string{"Hello.", "How can I help?"}},
		{`"No, that's it, thanks."`, []string{`"No, that's it, thanks."`}},
		{`"Great, she'll be pleased." And the router?`, []string{`"Great, she'll be pleased."`, "And the router?"}},
		{"Really?! That's it... Fine", []string{"Really?!", "That's it...", "Fine"}},
		{"It's on the bill (the second page.) Okay.", []string{"It's on the bill (the second page.)", "Okay."}},
		{"He said “cancel it.” Then nothing.", []string{"He said “cancel it.”", "Then nothing."}},
		{"Yes. 'Cause I moved.", []string{"Yes.", "'Cause I moved."}},
		{"no end mark", []string{"no end mark"}},
		{"", nil},
	} {
		if got := sentences(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("sentences(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
