package transcribe

import (
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/parley-cc/parley"
)

// What agents say and customers do not, and the reverse: the moves of a service call (greeting the
// caller in the company's name, offering help, asking for details to find the account, holding,
// confirming what was done, offering more help, closing) against those of a caller (what they want,
// their bill, their line, their own details). Each cue counts once per sentence.
var (
	agentCues = regexp.MustCompile(`\b(` + strings.Join([]string{
		`thanks? (you )?for (calling|ringing|holding|waiting|choosing|contacting|getting in touch|your patience)`,
		`(how|what) (can|may|could) i (help|do for you)`,
		`(this is|you're (speaking|talking) (to|with)|my name is|my name's|i'm) \w+ (at|from|with|in|speaking)`,
		`(can|could|may) i (have|take|get|confirm|grab|just confirm|just take|just get|ask for) (your|the)`,
		`(what's|what is) (your|the) (account|postcode|date of birth|mobile|phone|full name|address|order|reference)`,
		`(anything|something) else (i can|we can|you need|on your mind)`,
		`(let me|i'll|i will|i'm going to) (just )?(check|look|pull|bring|see|have a look|put you on hold|transfer|pop you)`,
		`(bear|bare) with me`,
		`i('ve| have) (just )?(booked|credited|arranged|added|updated|raised|applied|refunded|cancelled|processed|sent|logged|scheduled|approved|waived)`,
		`(i can see|i see|looking at) (that |here |on )?(your|the) (account|bill|order|line|records|system)`,
		`(have a|enjoy your) (good|great|nice|lovely|wonderful) (day|evening|week|weekend|one|afternoon)`,
		`(i'm|i am) (so |really |very )?sorry (about|for|to hear)`,
		`i (completely |totally )?understand`,
		`for (security|data protection)`,
	}, "|") + `)\b`)
	customerCues = regexp.MustCompile(`\b(` + strings.Join([]string{
		`i (want|need|would like|wanted|'d like) to`,
		`i('d| would) like`,
		`my (bill|internet|broadband|phone|mobile|line|router|account|order|contract|package|payment|direct debit|connection|signal|wifi|new address|address is|postcode is|date of birth is|number is)`,
		`i('ve| have) (been|just) (charged|waiting|trying|moved|paid|had|told)`,
		`i('m| am) (calling|ringing|phoning) (about|because|to)`,
		`(can|could) you (tell me|help me|check|explain|sort|fix|cancel|send)`,
		`(it's|it is|that's) (my|me)`,
	}, "|") + `)\b`)
)

// roleScore is how much a voice's text sounds like the agent's: agent cues minus customer cues, per
// sentence said.
func roleScore(texts []string) float64 {
	var agent, customer, sentences int
	for _, t := range texts {
		for _, s := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return r == '.' || r == '?' || r == '!' }) {
			s = strings.Join(strings.Fields(strings.NewReplacer(",", " ", "’", "'").Replace(s)), " ")
			if s == "" {
				continue
			}
			sentences++
			if agentCues.MatchString(s) {
				agent++
			}
			if customerCues.MatchString(s) {
				customer++
			}
		}
	}
	if sentences == 0 {
		return 0
	}
	return float64(agent-customer) / math.Sqrt(float64(sentences))
}

// firstVoiceBonus favours the voice heard first as the agent's (on inbound calls the agent answers),
// in units of roleScore; the words decide when they disagree clearly. Outbound calls (SetDirection)
// go without it: there the customer answers.
const firstVoiceBonus = 0.5

// AssignRoles decides the roles of a diarized channel's voices and gives them to its segments: on a
// channel with a role from the channel map every voice keeps it; on an unknown channel (a mono
// recording) the voice whose words sound most like an agent's is the agent and the others customers.
// With one voice the role stays as it was.
func AssignRoles(tr *parley.Transcript, d *parley.Diarization) {
	texts := make([][]string, d.Voices)
	role := parley.RoleUnknown
	for _, s := range tr.Segments {
		if s.Channel != d.Channel {
			continue
		}
		role = s.Speaker
		if s.Voice > 0 && s.Voice <= d.Voices {
			texts[s.Voice-1] = append(texts[s.Voice-1], s.Text)
		}
	}
	d.Roles = make([]parley.Role, d.Voices)
	for i := range d.Roles {
		d.Roles[i] = role
	}
	d.RolesBy, d.RoleConfidence = "none", 0
	if d.Voices < 2 || role != parley.RoleUnknown {
		if d.Voices >= 2 {
			d.RolesBy = "channels"
		}
		return
	}
	d.RoleScores = make([]float64, d.Voices)
	for v := range d.RoleScores {
		d.RoleScores[v] = math.Round(roleScore(texts[v])*100) / 100
	}
	byWords(tr, d, firstVoiceBonus)
}

// byWords makes the voice with the best score (the first voice's raised by bonus) the agent.
func byWords(tr *parley.Transcript, d *parley.Diarization, bonus float64) {
	scores := slices.Clone(d.RoleScores)
	scores[0] += bonus // voices are numbered in the order they are first heard
	agent, next := 0, math.Inf(-1)
	for v := 1; v < len(scores); v++ {
		if scores[v] > scores[agent] {
			agent = v
		}
	}
	for v, sc := range scores {
		if v != agent {
			next = math.Max(next, sc)
		}
	}
	d.RolesBy = "words"
	// The difference in score as a probability: 1.5 (three more agent sentences in nine) is 0.95.
	d.RoleConfidence = math.Round(1/(1+math.Exp(-2*(scores[agent]-next)))*100) / 100
	setAgent(tr, d, agent+1)
}

// SetDirection decides the roles of the diarized channels again for an outbound call (the metadata's
// direction, read after recognition): by the words alone, without favouring the voice heard first.
func SetDirection(tr *parley.Transcript, direction string) {
	if direction != "outbound" {
		return
	}
	for i := range tr.Diarization {
		if d := &tr.Diarization[i]; d.RolesBy == "words" && len(d.RoleScores) == d.Voices {
			byWords(tr, d, 0)
		}
	}
}

// SetAgentVoice makes voice (1, 2, …) the agent of every diarized channel with an unknown role, as the
// call's metadata says (agent_voice), over what the words said.
func SetAgentVoice(tr *parley.Transcript, voice int) error {
	for i := range tr.Diarization {
		d := &tr.Diarization[i]
		if d.RolesBy != "words" && d.RolesBy != "metadata" {
			continue
		}
		if voice < 1 || voice > d.Voices {
			return parley.Errorf(parley.CodeBadMetadata, "agent_voice %d: channel %d has %d voices", voice, d.Channel, d.Voices)
		}
		d.RolesBy, d.RoleConfidence = "metadata", 1
		setAgent(tr, d, voice)
	}
	return nil
}

// setAgent gives voice agent the agent's role on a diarized channel, the other voices the customer's,
// in the description, the segments and the turns.
func setAgent(tr *parley.Transcript, d *parley.Diarization, agent int) {
	for v := range d.Roles {
		d.Roles[v] = parley.RoleCustomer
	}
	d.Roles[agent-1] = parley.RoleAgent
	for i, s := range tr.Segments {
		if s.Channel == d.Channel && s.Voice > 0 && s.Voice <= len(d.Roles) {
			tr.Segments[i].Speaker = d.Roles[s.Voice-1]
		}
	}
	for i, t := range tr.Turns {
		if t.Channel == d.Channel && t.Voice > 0 && t.Voice <= len(d.Roles) {
			tr.Turns[i].Speaker = d.Roles[t.Voice-1]
		}
	}
}
