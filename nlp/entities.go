package nlp

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Entity types. PII types are replaced by [TYPE] under redaction.
const (
	EntPerson  = "PERSON"
	EntPlace   = "GPE"
	EntMoney   = "MONEY"
	EntDate    = "DATE"
	EntTime    = "TIME"
	EntPhone   = "PHONE"
	EntEmail   = "EMAIL"
	EntAccount = "ACCOUNT_NUMBER"
	EntOrder   = "ORDER_NUMBER"
	EntCard    = "CARD_NUMBER"
	EntNumber  = "NUMBER"
	EntAddress = "ADDRESS"
	EntDOB     = "DATE_OF_BIRTH"
	EntProduct = "PRODUCT"
)

// PII is the set of entity types that redaction removes: names, numbers, cards, emails, addresses
// and dates of birth.
var PII = map[string]bool{EntPerson: true, EntPhone: true, EntEmail: true, EntAccount: true, EntOrder: true,
	EntCard: true, EntNumber: true, EntAddress: true, EntDOB: true}

// Entity is a typed span of a text (byte offsets).
type Entity struct {
	Type       string
	Text       string
	Start, End int
}

// token is a word of a text with its byte span.
type token struct {
	text       string // lower case
	start, end int
}

func tokenize(s string) []token {
	var out []token
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || (r == '\'' && start >= 0)
		if unicode.Is(unicode.Han, r) { // Chinese is written without spaces: a character is a token
			if start >= 0 {
				out = append(out, token{strings.ToLower(s[start:i]), start, i})
			}
			out = append(out, token{string(r), i, i + utf8.RuneLen(r)})
			start = -1
			continue
		}
		if word && start < 0 {
			start = i
		}
		if !word && start >= 0 {
			out = append(out, token{strings.ToLower(s[start:i]), start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, token{strings.ToLower(s[start:]), start, len(s)})
	}
	return out
}

var (
	// Digits said one by one, as account and card numbers are read out: English, and Spanish, French,
	// German, Italian and Portuguese (spoken digits in those languages are redacted too; only words that
	// are no English word or name are listed — not "once", "due", "tre", "um", "otto").
	units = map[string]string{"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
		"five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
		"cero": "0", "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
		"zéro": "0", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7", "huit": "8", "neuf": "9",
		"null": "0", "eins": "1", "zwei": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
		"quattro": "4", "cinque": "5", "sette": "7", "nove": "9",
		"dois": "2", "três": "3", "quatro": "4", "sete": "7", "oito": "8",
		// Chinese digits read one by one (幺 is 1 in phone and account numbers); whisper writes Korean
		// and Arabic numbers as digits, which isDigits reads in any script.
		"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6",
		"七": "7", "八": "8", "九": "9"}
	teens = map[string]string{"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
		"fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19"}
	tens = map[string]string{"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7",
		"eighty": "8", "ninety": "9"}
	repeats = map[string]int{"double": 2, "triple": 3}
)

// numberRun is a run of written or spoken digits ("4111 1111", "seven two four one nine", "double
// five") with the digits it spells.
type numberRun struct {
	digits     string
	first, end int // token indices [first, end)
}

// numberRuns finds digit runs. "oh" counts as zero only inside a run; fillers inside a run are skipped.
func numberRuns(toks []token) []numberRun {
	var runs []numberRun
	var cur *numberRun
	flush := func() {
		if cur != nil && cur.digits != "" {
			runs = append(runs, *cur)
		}
		cur = nil
	}
	for i := 0; i < len(toks); i++ {
		w := toks[i].text
		at := i // first token of this number word ("double" in "double five")
		d, ok := "", false
		switch {
		case isDigits(w):
			d, ok = asciiDigits(w), true
		case units[w] != "" && (w != "oh" && w != "o" || cur != nil):
			d, ok = units[w], true
		case teens[w] != "":
			d, ok = teens[w], true
		case tens[w] != "":
			d, ok = tens[w]+"0", true
			if i+1 < len(toks) && units[toks[i+1].text] != "" && units[toks[i+1].text] != "0" {
				d, i = tens[w]+units[toks[i+1].text], i+1
			}
		case repeats[w] > 0 && i+1 < len(toks) && (units[toks[i+1].text] != "" || isDigits(toks[i+1].text) && len(toks[i+1].text) == 1):
			u := units[toks[i+1].text]
			if u == "" {
				u = toks[i+1].text
			}
			d, ok, i = strings.Repeat(u, repeats[w]), true, i+1
		case cur != nil && fillers[w]:
			continue
		}
		if !ok {
			flush()
			continue
		}
		if cur == nil {
			cur = &numberRun{first: at}
		}
		cur.digits += d
		cur.end = i + 1
	}
	flush()
	return runs
}

// isDigits reports whether s is all decimal digits, of any script (٣, ３ as well as 3).
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// asciiDigits writes the decimal digits of any script as 0–9 (Arabic-Indic ٧٢٤ → 724): a digit's value
// is its distance from the zero of its Unicode block, which runs of ten digits share.
func asciiDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
			continue
		}
		z := r
		for z > 0 && unicode.IsDigit(z-1) && r-z < 9 {
			z--
		}
		b.WriteByte(byte('0' + r - z))
	}
	return b.String()
}

// luhn reports whether a digit string passes the Luhn check of payment card numbers.
func luhn(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// The cue words are English with Spanish, French, German, Italian and Portuguese beside them, as
// multilingual whisper writes them ("via", an English word too, is a street only before a capitalised
// name); cues in scripts without spaces between words are matched inside the text before a number
// (the *CueText lists).
var (
	accountCue = set("account acct customer member membership policy reference ref ticket case confirmation id " +
		"cuenta cliente socio póliza referencia expediente contrato " + // es
		"compte client adhérent référence dossier contrat " + // fr
		"konto kundennummer kundenkonto mitgliedsnummer vertrag vertragsnummer referenz aktenzeichen " + // de
		"conto cliente codice pratica contratto polizza " + // it
		"conta cliente apólice referência processo contrato") // pt
	orderCue = set("order tracking shipment invoice pedido factura envío commande facture colis bestellung bestellnummer rechnung sendung " +
		"ordine fattura spedizione encomenda fatura")
	phoneCue = set("phone telephone mobile cell call reach callback landline teléfono móvil celular fijo téléphone portable " +
		"telefon telefonnummer handy handynummer rufnummer festnetz telefono cellulare fisso telefone telemóvel")
	// Cues inside unspaced text: Chinese, Korean (Hangul words carry their particles) and Arabic.
	accountCueText = []string{"账号", "账户", "帐号", "帐户", "卡号", "会员号", "客户号", "保单", "계좌", "계정", "회원번호", "고객번호", "حساب", "رقم العميل"}
	orderCueText   = []string{"订单", "单号", "주문", "طلب"}
	phoneCueText   = []string{"电话", "手机", "号码", "전화", "휴대폰", "핸드폰", "هاتف", "جوال", "موبايل"}

	monthNames = set("january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec " +
		"enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre " +
		"janvier février mars avril mai juin juillet août septembre octobre novembre décembre " +
		"januar februar märz juni juli oktober dezember gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre " +
		"janeiro fevereiro março maio junho julho setembro outubro novembro dezembro")
	// monthsNeedDay are month names that are also everyday words: a date only beside a day or year.
	monthsNeedDay = set("may march mars mai")
	dayWords      = set("monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight " +
		"lunes martes miércoles jueves viernes sábado domingo lundi mardi mercredi jeudi vendredi samedi dimanche " +
		"montag dienstag mittwoch donnerstag freitag samstag sonntag lunedì martedì mercoledì giovedì venerdì")
	articles = set("the el le la am der il o")
	// dateJoin are the words between a day, its month and its year: "the third of March", "3 de marzo de 2024".
	dateJoin = set("of de del di do da")
	ordinals = set("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth 1st 2nd 3rd 4th 5th 6th 7th 8th 9th 10th 11th 12th 13th 14th 15th 16th 17th 18th 19th 20th 21st 22nd 23rd 24th 25th 26th 27th 28th 29th 30th 31st")
	streets  = set("street st avenue ave road rd lane ln drive dr boulevard blvd way court ct place pl terrace close crescent square highway hwy")
	// streetsBefore are street words that come before the house number ("Calle Mayor 12", "Via Roma 10",
	// "Rua Augusta 25", "12 rue de la Paix" has the number first).
	streetsBefore = set("calle avenida avda paseo plaza carretera camino rue avenue boulevard chemin allée impasse quai " +
		"straße strasse str gasse allee platz viale piazza corso vicolo rua travessa praça estrada")
	// streetSuffixes end German street names written as one word: "Hauptstraße 5".
	streetSuffixes = []string{"straße", "strasse", "gasse", "allee", "platz"}
	currencies     = set("dollar dollars usd euro euros pound pounds cents cent bucks quid dólares pesos libras céntimos centimes francs franken reais reales")
	dobLead        = set("it is its it's was yes sure um uh that mine my")
	timeWords      = set("am pm a.m p.m o'clock noon midnight")

	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	// A spoken e-mail address: "jo dot smith at example dot com", "juan punto pérez arroba gmail punto
	// com", "marie point dupont arobase orange point fr".
	spokenEmailRe = regexp.MustCompile(`(?i)\b[\pL0-9]+(?:\s+(?:` + emailDot + `|underscore|dash|guion|guión|tiret|unterstrich|bindestrich|trattino|hífen)\s+[\pL0-9]+)*` +
		`\s+(?:at|arroba|arobase|chiocciola|klammeraffe)\s+[\pL0-9]+(?:\s+(?:` + emailDot + `)\s+[\pL0-9]+)*\s+(?:` + emailDot + `)\s+` +
		`(?:com|net|org|co|uk|io|edu|gov|de|fr|es|it|pt|br|mx|ar|ch|at|be|nl|eu)\b`)
	moneyRe   = regexp.MustCompile(`[$€£]\s?\d[\d,]*(?:\.\d+)?`)
	numDateRe = regexp.MustCompile(`\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b`)
	clockRe   = regexp.MustCompile(`(?i)\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?|\b\d{1,2}\s?[ap]\.?m\.?\b`)
	// A name after its introduction, in English and the other five languages ("me llamo", "je
	// m'appelle", "ich heiße", "mi chiamo", "meu nome é", and their Mr/Mrs).
	nameIntroRe = regexp.MustCompile(`(?:^|[^\pL])(?i:my name is|my name's|this is|speaking with|talking to|name is|mr\.?|mrs\.?|ms\.?|miss|dr\.?|` +
		`me llamo|mi nombre es|le atiende|le habla|señor|señora|sr\.|sra\.|je m'appelle|mon nom est|monsieur|madame|mme\.?|` +
		`ich heiße|ich heisse|mein name ist|hier spricht|herr|frau|mi chiamo|il mio nome è|sono|signor|signora|sig\.|sig\.ra|` +
		`meu nome é|me chamo|o meu nome é|senhor|senhora|sou o|sou a)\s+(\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)?)`)
	// A UK postcode as written ("EH7 5BJ", "SW1A 1AA"): capitals only, so that words are not read as one.
	ukPostcodeRe = regexp.MustCompile(`\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b`)
	// The same letters and digits run together (a postcode said symbol by symbol), and a US ZIP code.
	ukPostcodeSymbolsRe = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$`)
	zipSymbolsRe        = regexp.MustCompile(`^[0-9]{5}(?:[0-9]{4})?$`)
	// The first half of a UK postcode (its outward code: "S1", "BS3", "EH7", "SW1A").
	ukOutwardRe   = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?`)
	postcodeCueRe = regexp.MustCompile(`(?i)\b(?:post ?code|postal code|zip ?code|zip)\b`)
	dobCueRe      = regexp.MustCompile(`(?i)\b(?:date of birth|birth date|birthday|born on|born in|d\.?o\.?b\.?|fecha de nacimiento|` +
		`date de naissance|geburtsdatum|data di nascita|data de nascimento)\b(?:\s+(?:is|was|it's|it is|es|est|ist|è|é))?`)
	// A question asks for a date of birth when it speaks of birth at all: recognisers garble the words
	// around it ("can you confirm your date on birth", "your name on birth or me?", "when were you born?").
	birthAskedRe = regexp.MustCompile(`(?i)\b(?:birth|born)\b`)
	// A question asks for a name when it speaks of someone's name ("Can I take your full name?", "the
	// account holder's name", recognised as "your worst no fool name on the"), not of the speaker's own
	// ("my name is Sam").
	// Or who the caller is: "Who am I speaking to?", "Who's the account holder?", "Whose name is the
	// account in?".
	nameAskedRe = regexp.MustCompile(`(?i)\b(?:your|the|his|her|their|holder'?s|whose)\s+(?:[\w']+\s+){0,3}?name\b|` +
		`\bwho(?:'s| is| am i| are you)\b[^?.]*\b(?:speaking|talking|holder|calling)\b|\baccount holder\b`)
	// A question asks for an address when it speaks of an address and not of email, or of a postcode as
	// recognisers write it ("What's the post-covin' there?", "And the post comes from the new place.").
	addressAskedRe = regexp.MustCompile(`(?i)\baddress\b|\bpost[- ]?co\w*`)
	emailAskedRe   = regexp.MustCompile(`(?i)\be-?mail\b`)
	// A mail domain as recognisers write one: "hotmail.com", "…yahoo.com", "gmail dot com".
	mailDomainRe = regexp.MustCompile(`(?i)\w\.(?:com|net|org|co\.uk)\b|\bdot (?:com|net|org|co dot uk)\b|\b\w*(?:gmail|hotmail|yahoo|outlook|icloud)`)
	// The reply words before an answer ("Yes, it's …"), with "it" for the "it's" recognisers cut short.
	replyLeadRe = regexp.MustCompile(`^\s*(?:(?i:` + replyLeadWords + `|it)[,.]?\s+)*`)
	// The name at the start of an answer, after its reply words ("Yes, it's Sam Turner, G two…").
	nameAnswerRe = regexp.MustCompile(`^\s*(?:(?i:` + replyLeadWords + `)[,.]?\s+)*(\p{Lu}\p{Ll}+(?:[ -]\p{Lu}\p{Ll}+){0,2})`)
)

// replyLeadWords open an answer before what it gives ("Yes, it's …", "Sure. …", "That's me, …").
const replyLeadWords = `yes|yeah|sure|it's|it is|that's|that is|me`

// emailDot is "dot" in the languages above.
const emailDot = `dot|punto|point|punkt|ponto`

// findPatterns finds the entities that patterns and spoken-number rules catch.
func (x *Extractor) findPatterns(text string) []Entity {
	var out []Entity
	add := func(typ string, start, end int) {
		out = append(out, Entity{Type: typ, Text: text[start:end], Start: start, End: end})
	}
	for _, m := range emailRe.FindAllStringIndex(text, -1) {
		add(EntEmail, m[0], m[1])
	}
	for _, m := range spokenEmailRe.FindAllStringIndex(text, -1) {
		add(EntEmail, m[0], m[1])
	}
	for _, m := range moneyRe.FindAllStringIndex(text, -1) {
		add(EntMoney, m[0], m[1])
	}
	for _, m := range numDateRe.FindAllStringIndex(text, -1) {
		add(EntDate, m[0], m[1])
	}
	for _, m := range clockRe.FindAllStringIndex(text, -1) {
		add(EntTime, m[0], m[1])
	}
	for _, m := range nameIntroRe.FindAllStringSubmatchIndex(text, -1) {
		name := text[m[2]:m[3]]
		if first, _, _ := strings.Cut(name, " "); !commonWord(first) {
			add(EntPerson, m[2], m[3])
		}
	}
	toks := tokenize(text)
	// Dates of birth: the date words after a cue.
	for _, m := range dobCueRe.FindAllStringIndex(text, -1) {
		first, last := -1, -1
		for i, t := range toks {
			if t.start < m[1] || first < 0 && dobLead[t.text] {
				continue
			}
			if dateish(t.text) || dateJoin[t.text] || articles[t.text] || yearAnd(toks, i) {
				if first < 0 {
					first = i
				}
				last = i
				continue
			}
			break
		}
		// A date of birth names its month or says at least three date words: a lone number after the cue
		// is the house number of "Can you confirm your address and date of birth?" — "12 Oak Road, and
		// the fifth of May, 1980", whose date the answer rule (FindAfter) then reads as the birth date.
		if first >= 0 && (last-first >= 2 || slices.ContainsFunc(toks[first:last+1], func(t token) bool { return monthNames[t.text] })) {
			add(EntDOB, toks[first].start, toks[last].end)
		}
	}
	// Postcodes: as written anywhere, and said letter by letter and digit by digit after a question or
	// words about the postcode ("And the postcode?" — "E H seven, five B J").
	for _, m := range ukPostcodeRe.FindAllStringIndex(text, -1) {
		add(EntAddress, m[0], m[1])
	}
	var zips [][2]int // digits alone: a ZIP code unless the number rules below read them as something else
	if cues := postcodeCueRe.FindAllStringIndex(text, -1); len(cues) > 0 {
		for _, r := range postcodeRuns(text, toks, cues[0][1]) {
			if start, end := toks[r.first].start, toks[r.last].end; r.zip {
				zips = append(zips, [2]int{start, end})
			} else {
				add(EntAddress, start, end)
			}
		}
	}
	// Dates in words: a month name with its day and year, or a weekday.
	for i := 0; i < len(toks); i++ {
		w := toks[i].text
		if dayWords[w] {
			add(EntDate, toks[i].start, toks[i].end)
			continue
		}
		if !monthNames[w] || monthsNeedDay[w] && !(i+1 < len(toks) && dateish(toks[i+1].text)) && !(i > 0 && dateish(toks[i-1].text)) {
			continue
		}
		if w == "sept" && text[toks[i].start] != 'S' { // lower-case "sept" is French for seven
			continue
		}
		j := i
		for j+1 < len(toks) && (dateish(toks[j+1].text) || yearAnd(toks, j+1) ||
			dateJoin[toks[j+1].text] && j+2 < len(toks) && dateish(toks[j+2].text)) {
			j++
		}
		k := i // the day before the month: "3rd June", "the third of March", "el 3 de marzo"
		day := func(w string) bool { return ordinals[w] || isDigits(w) && len(w) <= 2 }
		switch {
		case k >= 2 && dateJoin[toks[k-1].text] && day(toks[k-2].text):
			k -= 2
		case k >= 1 && day(toks[k-1].text):
			k--
		}
		if k >= 1 && k < i && toks[k-1].text == "the" {
			k--
		}
		add(EntDate, toks[k].start, toks[j].end)
		i = j
	}
	runs := numberRuns(toks)
	for _, r := range runs {
		start, end := toks[r.first].start, toks[r.end-1].end
		cue := func(words map[string]bool, inText []string) bool {
			for k := max(0, r.first-8); k < r.first; k++ {
				if words[toks[k].text] {
					return true
				}
			}
			before := text[toks[max(0, r.first-8)].start:start]
			for _, w := range inText {
				if strings.Contains(before, w) {
					return true
				}
			}
			return false
		}
		nextIs := func(words map[string]bool) bool {
			return r.end < len(toks) && words[toks[r.end].text]
		}
		nd := len(r.digits)
		street := -1 // a street word within three words after the number: "14 Maple Street", "12 rue de la Paix"
		for e := r.end; e < min(r.end+4, len(toks)); e++ {
			if streets[toks[e].text] && e > r.end || streetsBefore[toks[e].text] && e == r.end {
				street = e
				break
			}
		}
		streetAt := -1 // or within four words before it: "Calle Mayor 12", "Hauptstraße 5"
		for b := r.first - 1; b >= max(0, r.first-4) && nd <= 4; b-- {
			next, _ := utf8.DecodeRuneInString(text[toks[b+1].start:])
			named := b+1 < r.first && unicode.IsUpper(next) // "Via Roma 10", not "via the app"
			if (streetsBefore[toks[b].text] || toks[b].text == "via" && named) && b < r.first-1 || germanStreet(toks[b].text) {
				streetAt = b
				break
			}
		}
		switch {
		case nextIs(currencies):
			add(EntMoney, start, toks[r.end].end)
		case street >= 0 && nd <= 5:
			add(EntAddress, start, toks[street].end)
		case streetAt >= 0:
			add(EntAddress, toks[streetAt].start, end)
		case nextIs(timeWords) || r.first > 0 && (toks[r.first-1].text == "at" || toks[r.first-1].text == "between") && nd <= 4 && !cue(accountCue, accountCueText):
			add(EntTime, start, end)
		case nd >= 13 && nd <= 19 && luhn(r.digits):
			add(EntCard, start, end)
		case nd >= 4 && cue(orderCue, orderCueText):
			add(EntOrder, start, end)
		case nd >= 4 && cue(accountCue, accountCueText):
			add(EntAccount, start, end)
		case nd >= 7 && nd <= 15 && (cue(phoneCue, phoneCueText) || nd >= 10 && (r.digits[0] == '0' || r.digits[0] == '1')):
			add(EntPhone, start, end)
		case nd >= 3:
			add(EntNumber, start, end)
		}
	}
	for _, z := range zips {
		if !slices.ContainsFunc(out, func(e Entity) bool { return e.Start == z[0] && e.End == z[1] && e.Type != EntNumber }) {
			add(EntAddress, z[0], z[1]) // "Order eight one two four four" stays an order number
		}
	}
	for _, p := range x.products {
		for _, m := range p.FindAllStringIndex(text, -1) {
			add(EntProduct, m[0], m[1])
		}
	}
	return out
}

// postcodeRun is a run of tokens, first to last, that spells a postcode: a UK one, or a ZIP code (zip:
// digits alone).
type postcodeRun struct {
	first, last int
	zip         bool
}

// postcodeRuns returns the runs of tokens of text after byte offset from, within 30 tokens, that spell
// a UK postcode or a US ZIP code symbol by symbol: single letters, digits and digit words ("oh", "double
// five") and short letter-digit words ("EH7"), in runs the formats accept whole. A run that begins with
// a UK outward code but does not spell a whole postcode is one with the words after it in its clause,
// three at most: recognisers garble the inward half ("S1 for deep view." for "S one, four D Q", "B.S. 3
// for RT." for "B S three, four R T"), and it is personal data all the same.
func postcodeRuns(text string, toks []token, from int) []postcodeRun {
	first := slices.IndexFunc(toks, func(t token) bool { return t.start >= from })
	if first < 0 {
		return nil
	}
	// spelled tells whether the symbols spell a postcode, and a ZIP code among them.
	spelled := func(code string) (ok, zip bool) {
		zip = zipSymbolsRe.MatchString(code)
		return zip || ukPostcodeSymbolsRe.MatchString(code), zip
	}
	var out []postcodeRun
	last := min(len(toks), first+30)
	for i := first; i < last; {
		var sym strings.Builder
		j := i
	symbols:
		for ; j < last; j++ {
			w := toks[j].text
			d := units[w]
			switch {
			case w == "double" && j+1 < last && units[toks[j+1].text] != "":
				continue // the next digit is said twice
			case d != "" && len(d) == 1 && w[0] < 0x80 || isDigits(w) && len(w) <= 5:
				if d == "" {
					d = w
				}
				if j > i && toks[j-1].text == "double" {
					d += d
				}
				sym.WriteString(d)
			case len(w) == 1 && w[0] >= 'a' && w[0] <= 'z', len(w) <= 4 && isAlnum(w):
				sym.WriteString(strings.ToUpper(w)) // a letter, or "EH7" said as one word
			default:
				break symbols
			}
		}
		code := sym.String()
		if ok, zip := spelled(code); j > i && ok {
			out = append(out, postcodeRun{i, j - 1, zip})
		} else if ok, zip := spelled(code[min(1, len(code)):]); j > i+1 && len(toks[i].text) == 1 && ok { // "it's a E H seven…"
			out = append(out, postcodeRun{i + 1, j - 1, zip})
		} else if j > i && ukOutwardRe.MatchString(code) {
			end := j - 1
			for k := j; k < min(last, j+3) && !strings.ContainsAny(text[toks[k-1].end:toks[k].start], ".?!,;"); k++ {
				end = k
			}
			out = append(out, postcodeRun{i, end, false})
			j = end + 1
		}
		i = max(j, i+1)
	}
	return out
}

// isAlnum reports whether w is ASCII letters and digits with at least one of each.
func isAlnum(w string) bool {
	var letters, digits bool
	for _, r := range w {
		switch {
		case r >= 'a' && r <= 'z':
			letters = true
		case r >= '0' && r <= '9':
			digits = true
		default:
			return false
		}
	}
	return letters && digits
}

// germanStreet reports whether w is a German street name written as one word ("hauptstraße").
func germanStreet(w string) bool {
	for _, suf := range streetSuffixes {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// fullDate reports whether a date entity names a day of a month or has digits (not "Friday", "today").
func fullDate(text string) bool {
	for _, t := range tokenize(text) {
		if monthNames[t.text] || isDigits(t.text) {
			return true
		}
	}
	return false
}

// adultBirthYear tells a date whose year is one an adult caller was born in: from 1900 to sixteen years
// before now, written ("1979", "2004") or said ("nineteen seventy nine", "two thousand and four").
func adultBirthYear(text string) bool {
	last := time.Now().Year() - 16
	toks := tokenize(text)
	for i, t := range toks {
		if len(t.text) == 4 && isDigits(t.text) {
			if y, _ := strconv.Atoi(t.text); y >= 1900 && y <= last {
				return true
			}
		}
		if t.text == "nineteen" && i+1 < len(toks) && (tens[toks[i+1].text] != "" || teens[toks[i+1].text] != "" || toks[i+1].text == "hundred") {
			return true
		}
		if t.text == "two" && i+1 < len(toks) && toks[i+1].text == "thousand" {
			j := i + 2
			if j < len(toks) && toks[j].text == "and" {
				j++
			}
			y := 2000
			if j < len(toks) {
				w := toks[j].text
				switch {
				case units[w] != "":
					y += int(units[w][0] - '0')
				case teens[w] != "":
					y += 10 + int(teens[w][1]-'0')
				case tens[w] != "": // "two thousand and twenty three"
					y += 10 * int(tens[w][0]-'0')
					if j+1 < len(toks) && units[toks[j+1].text] != "" {
						y += int(units[toks[j+1].text][0] - '0')
					}
				}
			}
			if y <= last {
				return true
			}
		}
	}
	return false
}

// yearAnd tells the "and" inside a year said in words: "two thousand and three", "nineteen hundred and
// five".
func yearAnd(toks []token, i int) bool {
	return toks[i].text == "and" && i > 0 && (toks[i-1].text == "thousand" || toks[i-1].text == "hundred") &&
		i+1 < len(toks) && (units[toks[i+1].text] != "" || teens[toks[i+1].text] != "" || tens[toks[i+1].text] != "")
}

func dateish(w string) bool {
	return monthNames[w] || ordinals[w] || isDigits(w) || units[w] != "" || teens[w] != "" || tens[w] != "" ||
		w == "hundred" || w == "thousand" || w == "nineteen" || w == "twenty"
}

// resolve drops overlapping entities, keeping the earliest, then the longest, then the most specific
// (an earlier type in priority), once the numbers inside a date have given way to it.
func resolve(ents []Entity) []Entity {
	// A number inside a date that names its month is the date's day or year, not an order, account or
	// phone number ("When was the order placed?" — "Second of July 2024").
	ents = slices.DeleteFunc(ents, func(e Entity) bool {
		if e.Type != EntOrder && e.Type != EntAccount && e.Type != EntPhone && e.Type != EntNumber {
			return false
		}
		return slices.ContainsFunc(ents, func(d Entity) bool {
			return (d.Type == EntDate || d.Type == EntDOB) && d.Start <= e.Start && e.End <= d.End && d.End-d.Start > e.End-e.Start &&
				slices.ContainsFunc(tokenize(d.Text), func(t token) bool { return monthNames[t.text] })
		})
	})
	prio := map[string]int{EntEmail: 0, EntDOB: 1, EntCard: 2, EntAddress: 3, EntAccount: 4, EntOrder: 4, EntPhone: 5,
		EntMoney: 6, EntDate: 7, EntTime: 8, EntPerson: 9, EntProduct: 10, EntPlace: 11, EntNumber: 12}
	sort.SliceStable(ents, func(a, b int) bool {
		if prio[ents[a].Type] != prio[ents[b].Type] {
			return prio[ents[a].Type] < prio[ents[b].Type]
		}
		return ents[a].End-ents[a].Start > ents[b].End-ents[b].Start
	})
	var kept []Entity
	for _, e := range ents {
		clash := false
		for _, k := range kept {
			if e.Start < k.End && k.Start < e.End {
				clash = true
				break
			}
		}
		if !clash {
			kept = append(kept, e)
		}
	}
	sort.Slice(kept, func(a, b int) bool { return kept[a].Start < kept[b].Start })
	return kept
}

// Redact replaces every PII entity of text with [TYPE].
func Redact(text string, ents []Entity) string {
	var b strings.Builder
	last := 0
	for _, e := range ents {
		if !PII[e.Type] || e.Start < last {
			continue
		}
		b.WriteString(text[last:e.Start])
		b.WriteString("[" + e.Type + "]")
		last = e.End
	}
	b.WriteString(text[last:])
	return b.String()
}
