package parley

import "testing"

func TestEndsSentence(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"That's all.", true},
		{"Anything else?", true},
		{"Brilliant!", true},
		{`"No, that's it."`, true},
		{"(thanks.) ", true},
		{"so I can find the", false},
		{"", false},
		{"Mr.", true}, // an abbreviation reads as an end: the cost of not knowing the language's abbreviations
		{"2.5", false},
	} {
		if got := EndsSentence(tt.text); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.text, got, tt.want)
		}
	}
}
