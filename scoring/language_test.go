package scoring

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

const multilingual = `version: 1
name: multilingual
sections:
  - name: opening
    items:
      - id: greeting
        kind: required_phrase
        phrases:
          en: ["thank you for calling"]
          es: ["gracias por llamar"]
          ko: ["전화 주셔서 감사합니다"]
          zh: ["感谢您致电"]
        weight: 40
      - id: further_help
        kind: required_phrase
        phrases: ["anything else"]
        weight: 30
      - id: no_rude
        kind: prohibited_phrase
        phrases: {en: [shut up], es: [cállese]}
        weight: 30
`

// A scorecard with phrases per language grades each call in its speaker's language: Spanish, Korean and
// Mandarin greetings pass on their own phrases (Hangul by its words, Han characters inside a run
// without spaces), an item with English phrases only is not applicable there (never failed on English
// words), and on a call whose agent speaks English and customer Spanish the agent is graded in English.
func TestPhrasesPerLanguage(t *testing.T) {
	sc, err := Parse([]byte(multilingual), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	call := func(agentLang, customerLang string, agent, customer string) Call {
		sec := time.Second
		tr := &parley.Transcript{Language: agentLang, Turns: []parley.Turn{
			{Speaker: parley.RoleAgent, Channel: 0, Start: 0, End: 3 * sec, Text: agent},
			{Speaker: parley.RoleCustomer, Channel: 1, Start: 4 * sec, End: 6 * sec, Text: customer}},
			Languages: []parley.TrackLanguage{{Channel: 0, Speaker: parley.RoleAgent, Language: agentLang, Probability: 0.9},
				{Channel: 1, Voice: 0, Speaker: parley.RoleCustomer, Language: customerLang, Probability: 0.9}}}
		return Call{Transcript: tr, DurationS: 10}
	}
	for _, tc := range []struct {
		name      string
		c         Call
		want      map[string]string
		reasonHas string
	}{
		{"spanish", call("es", "es", "Buenos días, gracias por llamar a Northwind, soy Lucía.", "Hola, tengo un problema con mi factura."),
			map[string]string{"greeting": parley.ItemPass, "further_help": parley.ItemNA, "no_rude": parley.ItemPass}, "not available for es"},
		{"spanish, rude", call("es", "es", "Gracias por llamar. ¡Cállese, por favor!", "Perdón."),
			map[string]string{"greeting": parley.ItemPass, "no_rude": parley.ItemFail}, ""},
		{"korean", call("ko", "ko", "안녕하세요, 노스윈드에 전화 주셔서 감사합니다.", "요금이 두 번 청구되었어요."),
			map[string]string{"greeting": parley.ItemPass, "further_help": parley.ItemNA, "no_rude": parley.ItemNA}, "not available for ko"},
		{"korean, no greeting", call("ko", "ko", "네, 말씀하세요.", "요금이 두 번 청구되었어요."),
			map[string]string{"greeting": parley.ItemFail}, ""},
		{"mandarin", call("zh", "zh", "你好，感谢您致电客户服务中心。", "我的网络每天晚上都会断线。"),
			map[string]string{"greeting": parley.ItemPass, "further_help": parley.ItemNA}, ""},
		{"english agent, spanish customer", call("en", "es", "Thank you for calling Northwind. Anything else I can do?", "Gracias, nada más."),
			map[string]string{"greeting": parley.ItemPass, "further_help": parley.ItemPass, "no_rude": parley.ItemPass}, ""},
	} {
		s := sc.Score(tc.c)
		for _, it := range s.Items {
			if want, ok := tc.want[it.ID]; ok && it.Status != want {
				t.Errorf("%s: %s %s (%s), want %s", tc.name, it.ID, it.Status, it.Reason, want)
			}
			if it.ID == "further_help" && tc.reasonHas != "" && !strings.Contains(it.Reason, tc.reasonHas) {
				t.Errorf("%s: further_help reason %q", tc.name, it.Reason)
			}
			if it.ID == "greeting" && it.Status == parley.ItemPass && tc.name == "mandarin" && !strings.Contains(it.Reason, `"感谢您致电"`) {
				t.Errorf("mandarin: the reason quotes %q", it.Reason)
			}
		}
	}
	if _, err := Parse([]byte(strings.Replace(multilingual, `zh: ["感谢您致电"]`, `zh: []`, 1)), "m.yaml"); err == nil {
		t.Error("an empty list for a language is accepted")
	}
	if _, err := Parse([]byte(strings.Replace(multilingual, `phrases: {en: [shut up], es: [cállese]}`, `phrases: 7`, 1)), "m.yaml"); err == nil {
		t.Error("phrases that are neither a list nor a map are accepted")
	}
}
