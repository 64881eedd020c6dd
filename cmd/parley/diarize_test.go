package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/internal/testenv"
)

// TestMonoMixesDiarized: the four testdata calls mixed to mono (sox, as a mono recorder would have
// summed them) through parley run with the real tiny.en model. Each comes apart into two voices, the
// agent is found from the words on every call (the reference turns' speakers are the truth, measured
// over speech time), and the scorecard gives the same result on the mono mix as on the stereo
// original for at least 90 % of items. agent_voice in a call's metadata overrides the words.
func TestMonoMixesDiarized(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Fatal("sox is needed (scripts/setup.sh --test)")
	}
	env := []string{"PARLEY_ENCODER=" + testenv.Encoder(t)}
	calls := filepath.Join(testenv.Root(), "testdata", "calls")
	names := []string{"address-change", "billing-dispute", "cancel-service", "identity-check"}
	mono, override := t.TempDir(), t.TempDir()
	for _, n := range names {
		for _, dir := range []string{mono, override} {
			if out, err := exec.Command("sox", filepath.Join(calls, n+".wav"), filepath.Join(dir, n+".wav"), "remix", "1,2").CombinedOutput(); err != nil {
				t.Fatalf("sox: %v: %s", err, out)
			}
		}
	}
	// The override: the voice heard first is declared the customer's, on a call where it is the agent's.
	if err := os.WriteFile(filepath.Join(override, "billing-dispute.json"), []byte(`{"agent_voice": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	outStereo, outMono, outOverride := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range [][2]string{{calls, outStereo}, {mono, outMono}, {override, outOverride}} {
		code, _, stderr := runMain(t, env, "run", "--model", testenv.TinyEn(t), "--threads", "2", "--out", run[1], run[0])
		if code != 0 {
			t.Fatalf("run %s: exit %d: %s", run[0], code, stderr)
		}
	}
	same, items := 0, 0
	for _, n := range names {
		var st, mo calldoc.CallDoc
		readJSON(t, filepath.Join(outStereo, n+".json"), &st)
		readJSON(t, filepath.Join(outMono, n+".json"), &mo)
		if mo.SpeakersFrom != calldoc.SpeakersFromDiarization || len(mo.Diarization) != 1 || mo.Diarization[0].Voices != 2 || mo.Diarization[0].RolesBy != "words" {
			t.Errorf("%s: speakers from %q, diarization %+v", n, mo.SpeakersFrom, mo.Diarization)
			continue
		}
		// The share of recognised speech time given to the speaker who said it.
		ref := testenv.RefTranscript(t, n).Segments
		var right, all float64
		for _, s := range mo.Segments {
			for _, r := range ref {
				o := min(s.End, r.End.Seconds()) - max(s.Start, r.Start.Seconds())
				if o > 0 {
					all += o
					if s.Speaker == r.Speaker {
						right += o
					}
				}
			}
		}
		t.Logf("%s: roles %v (confidence %.2f), speech on the right speaker %.1f%%", n, mo.Diarization[0].Roles, mo.Diarization[0].RoleConfidence, 100*right/all)
		if right < 0.95*all {
			t.Errorf("%s: %.1f%% of speech on the right speaker, want at least 95%%", n, 100*right/all)
		}
		if len(mo.Notes) != 1 || mo.Notes[0] != calldoc.DiarizedNote {
			t.Errorf("%s: notes %v", n, mo.Notes)
		}
		status := map[string]string{}
		for _, it := range st.Score.Items {
			status[it.ID] = string(it.Status)
		}
		for _, it := range mo.Score.Items {
			items++
			if status[it.ID] == string(it.Status) {
				same++
			} else {
				t.Logf("%s %s: stereo %s, mono %s (%s)", n, it.ID, status[it.ID], it.Status, it.Reason)
			}
		}
	}
	t.Logf("scorecard items the same on the mono mix as on the stereo call: %d of %d", same, items)
	if same*10 < items*9 {
		t.Errorf("%d of %d items the same, want at least 90%%", same, items)
	}

	var ov calldoc.CallDoc
	readJSON(t, filepath.Join(outOverride, "billing-dispute.json"), &ov)
	if len(ov.Diarization) != 1 || ov.Diarization[0].RolesBy != "metadata" || ov.Diarization[0].Roles[1] != parley.RoleAgent {
		t.Errorf("agent_voice 2: diarization %+v", ov.Diarization)
	}
	for _, tu := range ov.Turns {
		if tu.Voice == 2 && tu.Speaker != parley.RoleAgent || tu.Voice == 1 && tu.Speaker != parley.RoleCustomer {
			t.Errorf("agent_voice 2: turn %+v", tu)
		}
		if strings.Contains(tu.Text, "Thank you for calling") && tu.Speaker != parley.RoleCustomer {
			t.Errorf("the greeting must now be the customer's: %+v", tu)
		}
	}
}
