package process

import (
	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/scoring"
)

// Stages is what runs on a transcript: the NLP analysis (which redacts first, when configured) and the
// scorecard. parley run, parley analyze and the worker all go through it.
type Stages struct {
	Analyzer  *nlp.Analyzer      // nil: no NLP
	Scorecard *scoring.Scorecard // nil: no scoring
}

// Apply analyses and scores a transcribed result in place.
func (s Stages) Apply(res *parley.Result) {
	if s.Analyzer != nil {
		res.Analysis = s.Analyzer.Analyze(res.Transcript)
	}
	if s.Scorecard != nil {
		res.Score = s.Scorecard.Score(scoring.Call{Transcript: res.Transcript, Analysis: res.Analysis, DurationS: res.Call.Duration.Seconds()})
	}
}

// Redo analyses and scores a stored call document again and returns the new document (the recognition
// model and processing time of the first pass are kept).
func (s Stages) Redo(doc calldoc.CallDoc) calldoc.CallDoc {
	res := doc.Result()
	s.Apply(&res)
	out := calldoc.New(res, doc.Model)
	out.ProcessingS = doc.ProcessingS
	return out
}
