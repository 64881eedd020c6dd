package transcribe

import (
	"strconv"
	"strings"
)

// Number words and their values; ordinals count as their number ("ninth" = 9, "twenty first" = 21).
var (
	unitWords = map[string]int{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
		"seven": 7, "eight": 8, "nine": 9, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
		"sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9}
	teenWords = map[string]int{"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
		"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "tenth": 10,
		"eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
		"sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19}
	tensWords = map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
		"seventy": 70, "eighty": 80, "ninety": 90, "twentieth": 20, "thirtieth": 30, "fortieth": 40,
		"fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90}
)

func isNumberWord(w string) bool {
	_, u := unitWords[w]
	_, t := teenWords[w]
	_, d := tensWords[w]
	return u || t || d
}

// spellDigits writes numbers the way people read them out and the way a recogniser prints them
// alike: every number becomes its decimal digits, one word each. "seven two four", "724" and
// "seven hundred and twenty four" all become "7 2 4"; "nineteen eighty six" and "1986" become
// "1 9 8 6"; "9th" becomes "9".
func spellDigits(words []string) []string {
	var out []string
	starts := func(i int) bool {
		switch {
		case isNumberWord(words[i]):
			return true
		case words[i] == "oh" || words[i] == "double" || words[i] == "triple":
			return i+1 < len(words) && (isNumberWord(words[i+1]) || words[i+1] == "oh")
		}
		return false
	}
	for i := 0; i < len(words); {
		w := words[i]
		if d, rest, ok := leadingDigits(w); ok {
			out = appendDigits(out, d)
			if rest != "" && rest != "st" && rest != "nd" && rest != "rd" && rest != "th" && rest != "s" {
				out = append(out, rest)
			}
			i++
			continue
		}
		if !starts(i) {
			out = append(out, w)
			i++
			continue
		}
		j := i + 1
		for j < len(words) {
			switch x := words[j]; {
			case isNumberWord(x) || x == "hundred" || x == "thousand" || starts(j):
			case x == "and" && (words[j-1] == "hundred" || words[j-1] == "thousand") && j+1 < len(words) && isNumberWord(words[j+1]):
			default:
				goto done
			}
			j++
		}
	done:
		out = append(out, readNumbers(words[i:j])...)
		i = j
	}
	return out
}

// leadingDigits splits "21st" into "21" and "st".
func leadingDigits(w string) (digits, rest string, ok bool) {
	n := 0
	for n < len(w) && w[n] >= '0' && w[n] <= '9' {
		n++
	}
	return w[:n], w[n:], n > 0
}

func appendDigits(out []string, digits string) []string {
	for _, c := range digits {
		out = append(out, string(c))
	}
	return out
}

// readNumbers reads a run of number words as the numbers a person says: "twenty two" is 22, "seven
// hundred and five" is 705, "nineteen eighty six" is 19 then 86, "double four" is 4 4, "oh" is 0.
func readNumbers(run []string) []string {
	var out []string
	emit := func(v int) { out = appendDigits(out, strconv.Itoa(v)) }
	repeat := 1
	for k := 0; k < len(run); k++ {
		w := run[k]
		switch {
		case w == "double" || w == "triple":
			repeat = map[string]int{"double": 2, "triple": 3}[w]
			continue
		case w == "and" || w == "hundred" || w == "thousand":
			out = append(out, w) // outside a number: keep the word
			continue
		}
		var v int
		if w == "oh" {
			v = 0
		} else if u, ok := unitWords[w]; ok {
			v = u
		} else if t, ok := teenWords[w]; ok {
			v = t
		} else {
			v = tensWords[w]
			if k+1 < len(run) {
				if u, ok := unitWords[run[k+1]]; ok && u > 0 {
					v += u
					k++
				}
			}
		}
		// "seven hundred (and) twenty four", "two thousand (and) five".
		for k+1 < len(run) && (run[k+1] == "hundred" || run[k+1] == "thousand") {
			mult := map[string]int{"hundred": 100, "thousand": 1000}[run[k+1]]
			v *= mult
			k++
			next := k + 1
			if next < len(run) && run[next] == "and" {
				next++
			}
			if next < len(run) {
				if rest, n := smallNumber(run[next:]); n > 0 && rest < mult {
					v += rest
					k = next + n - 1
				}
			}
		}
		for range repeat {
			emit(v)
		}
		repeat = 1
	}
	return out
}

// smallNumber reads a number below 100 at the start of words: its value and how many words it took.
func smallNumber(words []string) (int, int) {
	if len(words) == 0 {
		return 0, 0
	}
	if u, ok := unitWords[words[0]]; ok {
		return u, 1
	}
	if t, ok := teenWords[words[0]]; ok {
		return t, 1
	}
	if d, ok := tensWords[words[0]]; ok {
		if len(words) > 1 {
			if u, ok := unitWords[words[1]]; ok && u > 0 {
				return d + u, 2
			}
		}
		return d, 1
	}
	return 0, 0
}

// spellSymbols puts words for the symbols a recogniser prints: "£39" → "39 pounds", "20%" → "20 percent".
func spellSymbols(s string) string {
	r := strings.NewReplacer("%", " percent ", "&", " and ")
	s = r.Replace(s)
	for sym, word := range map[string]string{"£": "pounds", "$": "dollars", "€": "euros"} {
		for {
			i := strings.Index(s, sym)
			if i < 0 {
				break
			}
			j := i + len(sym)
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == ',') {
				j++
			}
			s = s[:i] + s[i+len(sym):j] + " " + word + " " + s[j:]
		}
	}
	return s
}
