package transcribe

import (
	"testing"

	"github.com/parley-cc/parley"
)

// twoVoices is a mono transcript of two voices, the customer heard first.
func twoVoices() *parley.Transcript {
	seg := func(voice int, text string) parley.Segment {
		return parley.Segment{Channel: 0, Voice: voice, Speaker: parley.RoleUnknown, Text: text}
	}
	tr := &parley.Transcript{Segments: []parley.Segment{
		seg(1, "Hello? Yes, speaking."),
		seg(2, "Hi, it's Priya calling from Northwind about your broadband renewal."),
		seg(1, "Oh right. My contract ends next month, I think."),
		seg(2, "I can see your account is due for renewal; let me check what we can offer you."),
		seg(1, "Okay."),
		seg(2, "I've added the faster package at the same price. Is there anything else I can help with?"),
	}}
	tr.Diarization = []parley.Diarization{{Channel: 0, Voices: 2}}
	return tr
}

func roleOf(tr *parley.Transcript, voice int) parley.Role {
	for _, s := range tr.Segments {
		if s.Voice == voice {
			return s.Speaker
		}
	}
	return ""
}

func TestAssignRoles(t *testing.T) {
	// The words: the second voice offers, checks, confirms; the customer answered the phone first.
	tr := twoVoices()
	AssignRoles(tr, &tr.Diarization[0])
	d := tr.Diarization[0]
	if d.RolesBy != "words" || roleOf(tr, 2) != parley.RoleAgent || roleOf(tr, 1) != parley.RoleCustomer || d.RoleConfidence < 0.7 {
		t.Errorf("roles %v by %s (%.2f, scores %v)", d.Roles, d.RolesBy, d.RoleConfidence, d.RoleScores)
	}

	// Words that say nothing either way: the first voice heard is taken for the agent, unsure; on an
	// outbound call (the customer answers) the preference goes.
	tr = &parley.Transcript{Segments: []parley.Segment{{Voice: 1, Speaker: parley.RoleUnknown, Text: "Yes."}, {Voice: 2, Speaker: parley.RoleUnknown, Text: "Okay."}}, Diarization: []parley.Diarization{{Voices: 2}}}
	AssignRoles(tr, &tr.Diarization[0])
	if roleOf(tr, 1) != parley.RoleAgent || tr.Diarization[0].RoleConfidence > 0.75 {
		t.Errorf("no clue: %+v", tr.Diarization[0])
	}
	tr = &parley.Transcript{Segments: []parley.Segment{{Voice: 1, Speaker: parley.RoleUnknown, Text: "Yes."},
		{Voice: 2, Speaker: parley.RoleUnknown, Text: "Thanks for calling, how can I help? Okay. Sure. Right. Fine. Yes. Good. Alright. Go on."}}, Diarization: []parley.Diarization{{Voices: 2}}}
	AssignRoles(tr, &tr.Diarization[0])
	if roleOf(tr, 1) != parley.RoleAgent {
		t.Errorf("inbound, one agent sentence in nine against the first voice's preference: %+v", tr.Diarization[0])
	}
	SetDirection(tr, "outbound")
	if roleOf(tr, 2) != parley.RoleAgent {
		t.Errorf("outbound: %+v", tr.Diarization[0])
	}

	// The metadata decides over the words; a voice the channel does not have is a named error.
	tr = twoVoices()
	AssignRoles(tr, &tr.Diarization[0])
	if err := SetAgentVoice(tr, 1); err != nil || roleOf(tr, 1) != parley.RoleAgent || tr.Diarization[0].RolesBy != "metadata" {
		t.Errorf("agent_voice 1: %v %+v", err, tr.Diarization[0])
	}
	if err := SetAgentVoice(tr, 3); err == nil || parley.ErrorCode(err) != parley.CodeBadMetadata {
		t.Errorf("agent_voice 3 of 2: %v", err)
	}

	// A channel with a role from the channel map keeps it for every voice.
	tr = twoVoices()
	for i := range tr.Segments {
		tr.Segments[i].Speaker = parley.RoleAgent
	}
	AssignRoles(tr, &tr.Diarization[0])
	if d := tr.Diarization[0]; d.RolesBy != "channels" || roleOf(tr, 1) != parley.RoleAgent || roleOf(tr, 2) != parley.RoleAgent {
		t.Errorf("channel map: %+v", d)
	}
}
