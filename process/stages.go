package process

import (
	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/scoring"
	"github.com/parley-cc/parley/transcribe"
)

// Stages is what runs on a transcript: the NLP analysis (which redacts first, when configured) and the
// scorecard. parley run, parley analyze and the worker all go through it.
type Stages struct {
	Analyzer  *nlp.Analyzer      // nil: no NLP
	Scorecard *scoring.Scorecard // nil: no scoring
	// Vocabulary gives the scorecard each call's terms by its source (the phrase {vocabulary}); nil:
	// none.
	Vocabulary *transcribe.Vocabulary
}

// Apply analyses and scores a transcribed result in place. A panic in either — a defect that one
// call's text runs into — is that call's error (internal), logged with its stack, and the call has no
// analysis or score: the other calls of a batch go on.
func (s Stages) Apply(res *parley.Result) (err error) {
	defer func() {
		if r := recover(); r != nil {
			res.Analysis, res.Score = nil, nil
			err = parley.Panicked(r, "analysis of "+res.Call.ID, "call_id", res.Call.ID)
		}
	}()
	if s.Analyzer != nil {
		res.Analysis = s.Analyzer.Analyze(res.Transcript)
	}
	if s.Scorecard != nil {
		res.Score = s.Scorecard.Score(s.Call(res))
	}
	return nil
}

// Call is what the scorecard grades of a result: its transcript, analysis and length, and the call's
// vocabulary terms by its source.
func (s Stages) Call(res *parley.Result) scoring.Call {
	return scoring.Call{Transcript: res.Transcript, Analysis: res.Analysis, DurationS: res.Call.Duration.Seconds(),
		Vocabulary: s.Vocabulary.For(res.Call.Source)}
}

// Redo analyses and scores a stored call document again and returns the new document (the recognition
// model and processing time of the first pass are kept).
func (s Stages) Redo(doc calldoc.CallDoc) (calldoc.CallDoc, error) {
	res := doc.Result()
	if err := s.Apply(&res); err != nil {
		return doc, err
	}
	out := calldoc.New(res, doc.Model)
	out.ProcessingS = doc.ProcessingS
	return out, nil
}
