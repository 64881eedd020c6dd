package nlp

// Test floors, a little under what was measured (README, NLP): a change that loses accuracy fails.
var sentimentFloors = map[string]float64{"goemotions": 0.72, "dynasent-r1": 0.64, "dynasent-r2": 0.56, "calls": 0.82, "calls-as-read": 0.84, "contact-center": 0.90}

const (
	threatFloor    = 0.86
	banking77Floor = 0.935
)
