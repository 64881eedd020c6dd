// Package eval measures parley against what a reviewer decided: a labelled call set (one label file per
// recording, format below and in README.md) and the call documents parley wrote for those recordings.
//
// A label file is NAME.labels.yaml beside NAME.wav (or any recording name given by `recording:`):
//
//	recording: billing-dispute.wav   # the recording it labels, relative to the label file
//	split: heldout                   # optional: tune or heldout (reported apart)
//	mix: stereo                      # stereo (agent and customer on their own channels) or mono
//	duration_s: 61.2                 # length of the recording, checked against it
//	intent: billing_dispute          # the call driver (taxonomy label); empty: not judged
//	sentiment:                       # each party's state at the start and at the end of the call
//	  customer: {start: negative, end: positive}
//	  agent: {start: neutral, end: positive}
//	threats: [churn]                 # the customer's threats (churn, escalation); [] none; absent: not judged
//	items:                           # scorecard item id → met | not_met | not_applicable, and when
//	  greeting: {result: met, at: 0.5}
//	holds: [{start: 30.1, end: 36.1}]
//	interruptions: [{at: 40.2, by: customer}]
//	pii: [{type: ACCOUNT_NUMBER, start: 18.3, end: 21.0, speaker: customer}]
//	turns:                           # the reference transcript, per speaker with times (optional:
//	  - {start: 0.5, end: 5.8, speaker: agent, text: "Thank you for calling…"}  # no WER without it)
package eval

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/team"
)

// Item results a reviewer gives.
const (
	Met           = "met"
	NotMet        = "not_met"
	NotApplicable = "not_applicable"
)

// Splits of a labelled set: tuning may look at tune, never at heldout.
const (
	SplitTune    = "tune"
	SplitHeldout = "heldout"
)

// LabelSuffix ends the name of every label file.
const LabelSuffix = ".labels.yaml"

// Label is what a reviewer decided about one recording.
type Label struct {
	Recording     string                   `yaml:"recording" json:"recording"`
	Split         string                   `yaml:"split,omitempty" json:"split,omitempty"`
	Mix           string                   `yaml:"mix" json:"mix"`
	DurationS     float64                  `yaml:"duration_s" json:"duration_s"`
	Intent        string                   `yaml:"intent,omitempty" json:"intent,omitempty"`
	Sentiment     map[parley.Role]StartEnd `yaml:"sentiment,omitempty" json:"sentiment,omitempty"`
	Threats       *[]string                `yaml:"threats,omitempty" json:"threats,omitempty"` // churn, escalation; [] for none; absent: not judged
	Items         map[string]ItemLabel     `yaml:"items,omitempty" json:"items,omitempty"`
	Holds         []parley.Span            `yaml:"holds,omitempty" json:"holds,omitempty"`
	Interruptions []Interruption           `yaml:"interruptions,omitempty" json:"interruptions,omitempty"`
	PII           []PIILabel               `yaml:"pii,omitempty" json:"pii,omitempty"`
	Turns         []Turn                   `yaml:"turns" json:"turns"`
	// Tags say what the call is — who took it, their team, the line it came in on — so that parley eval
	// --by can tell how parley does on each group of calls (Groupings).
	Tags map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`

	path string // the label file
}

// StartEnd is a party's sentiment (positive, neutral or negative) at the start and at the end.
type StartEnd struct {
	Start string `yaml:"start" json:"start"`
	End   string `yaml:"end" json:"end"`
}

// ItemLabel is a reviewer's result for one scorecard item and the moment it happens (seconds; absent
// when nothing happens, as for a greeting that never comes).
type ItemLabel struct {
	Result string   `yaml:"result" json:"result"`
	At     *float64 `yaml:"at,omitempty" json:"at,omitempty"`
}

// Interruption is one party starting to talk while the other is talking.
type Interruption struct {
	At float64     `yaml:"at" json:"at"`
	By parley.Role `yaml:"by" json:"by"`
}

// PIILabel is personal data said in the call, of an entity type that redaction removes.
type PIILabel struct {
	Type    string      `yaml:"type" json:"type"`
	Start   float64     `yaml:"start" json:"start"`
	End     float64     `yaml:"end" json:"end"`
	Speaker parley.Role `yaml:"speaker" json:"speaker"`
}

// Turn is one utterance of the reference transcript.
type Turn struct {
	Start   float64     `yaml:"start" json:"start"`
	End     float64     `yaml:"end" json:"end"`
	Speaker parley.Role `yaml:"speaker" json:"speaker"`
	Text    string      `yaml:"text" json:"text"`
}

// Path is the label file the label was read from.
func (l *Label) Path() string { return l.path }

// RecordingPath is the recording the label belongs to.
func (l *Label) RecordingPath() string { return filepath.Join(filepath.Dir(l.path), l.Recording) }

// ID is the call id parley gives the recording: its file name without the extension.
func (l *Label) ID() string {
	return strings.TrimSuffix(filepath.Base(l.Recording), filepath.Ext(l.Recording))
}

// Text is the reference transcript of one speaker (every speaker when role is empty).
func (l *Label) Text(role parley.Role) string {
	var b strings.Builder
	for _, t := range l.Turns {
		if role == "" || t.Speaker == role {
			b.WriteString(t.Text + " ")
		}
	}
	return strings.TrimSpace(b.String())
}

// ReadLabel reads and checks one label file. Problems are errors with code bad_label naming the file.
func ReadLabel(path string) (*Label, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, parley.Errorf(parley.CodeIO, "label %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var l Label
	if err := dec.Decode(&l); err != nil {
		return nil, parley.Errorf(parley.CodeBadLabel, "label %s: %v", path, err)
	}
	l.path = path
	if err := l.check(); err != nil {
		return nil, parley.Errorf(parley.CodeBadLabel, "label %s: %v", path, err)
	}
	return &l, nil
}

var sentimentLabels = []string{"positive", "neutral", "negative"}

func (l *Label) check() error {
	if l.Recording == "" {
		return fmt.Errorf("recording: missing")
	}
	switch l.Split {
	case "", SplitTune, SplitHeldout:
	default:
		return fmt.Errorf("split %q: want tune or heldout", l.Split)
	}
	switch l.Mix {
	case "stereo", "mono":
	default:
		return fmt.Errorf("mix %q: want stereo or mono", l.Mix)
	}
	role := func(r parley.Role, what string) error {
		if r != parley.RoleAgent && r != parley.RoleCustomer {
			return fmt.Errorf("%s: speaker %q, want agent or customer", what, r)
		}
		return nil
	}
	for i, t := range l.Turns {
		if err := role(t.Speaker, fmt.Sprintf("turn %d", i+1)); err != nil {
			return err
		}
		if t.End < t.Start || t.Start < 0 || strings.TrimSpace(t.Text) == "" {
			return fmt.Errorf("turn %d: times %.2f–%.2f or text %q", i+1, t.Start, t.End, t.Text)
		}
		if l.DurationS > 0 && t.End > l.DurationS+0.5 {
			return fmt.Errorf("turn %d ends at %.2f s, after the recording (%.2f s)", i+1, t.End, l.DurationS)
		}
	}
	for r, se := range l.Sentiment {
		if err := role(r, "sentiment"); err != nil {
			return err
		}
		for _, v := range []string{se.Start, se.End} {
			if v != "" && !slices.Contains(sentimentLabels, v) {
				return fmt.Errorf("sentiment of %s: %q, want positive, neutral or negative", r, v)
			}
		}
	}
	for id, it := range l.Items {
		switch it.Result {
		case Met, NotMet, NotApplicable:
		default:
			return fmt.Errorf("item %s: result %q, want met, not_met or not_applicable", id, it.Result)
		}
	}
	if l.Threats != nil {
		for _, k := range *l.Threats {
			if k != parley.ThreatChurn && k != parley.ThreatEscalation {
				return fmt.Errorf("threat %q: want %s or %s", k, parley.ThreatChurn, parley.ThreatEscalation)
			}
		}
	}
	for i, in := range l.Interruptions {
		if err := role(in.By, fmt.Sprintf("interruption %d", i+1)); err != nil {
			return err
		}
	}
	for i, p := range l.PII {
		if p.Type == "" || p.End < p.Start {
			return fmt.Errorf("pii %d: type %q, times %.2f–%.2f", i+1, p.Type, p.Start, p.End)
		}
	}
	for k, v := range l.Tags {
		if strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return fmt.Errorf("tag %q: %q, want a name and a value", k, v)
		}
	}
	return nil
}

// ReadLabels reads every label file under the paths (files or directories, searched recursively) in
// name order. A file that cannot be read or checked is returned among the errors; the others are kept.
func ReadLabels(paths []string) ([]*Label, []error) {
	var files []string
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, parley.Errorf(parley.CodeIO, "labels: %v", err))
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		filepath.WalkDir(p, func(f string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(f, LabelSuffix) {
				files = append(files, f)
			}
			return nil
		})
	}
	sort.Strings(files)
	var out []*Label
	for _, f := range files {
		l, err := ReadLabel(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, l)
	}
	return out, errs
}

// Write writes the label file as YAML.
func (l *Label) Write(path string) error {
	b, err := yaml.Marshal(l)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// FromOverrides makes a label for each call document that reviewers overrode items of: the overrides in
// force become the item results (pass → met, fail → not_met, na → not_applicable); the recording, its
// layout and length come from the document. Such labels have no reference transcript, so they measure
// items only. Overrides of calls without a document are returned as skipped.
func FromOverrides(ov []team.Override, docs []calldoc.CallDoc) (labels []*Label, skipped []string) {
	byCall := map[string][]team.Override{}
	for _, o := range ov {
		byCall[o.CallID] = append(byCall[o.CallID], o)
	}
	result := map[string]string{parley.ItemPass: Met, parley.ItemFail: NotMet, parley.ItemNA: NotApplicable}
	seen := map[string]bool{}
	for _, d := range docs {
		list, ok := byCall[d.CallID]
		if !ok || seen[d.CallID] {
			continue
		}
		seen[d.CallID] = true
		l := &Label{Recording: d.Source, Mix: "stereo", DurationS: d.DurationS, Items: map[string]ItemLabel{}}
		if len(d.Channels) == 1 {
			l.Mix = "mono"
		}
		for _, o := range list {
			l.Items[o.Item] = ItemLabel{Result: result[o.Status]}
		}
		labels = append(labels, l)
	}
	for id := range byCall {
		if !seen[id] {
			skipped = append(skipped, fmt.Sprintf("call %s: overridden, but no call document was found for it", id))
		}
	}
	sort.Strings(skipped)
	return labels, skipped
}
