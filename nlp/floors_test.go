package nlp

// Test floors, a little under what was measured (README, NLP): a change that loses accuracy fails.
var sentimentFloors = map[string]float64{"goemotions": 0.72, "dynasent-r1": 0.67, "dynasent-r2": 0.57, "calls": 0.825, "calls-as-read": 0.845, "contact-center": 0.90}

const (
	threatFloor    = 0.86
	banking77Floor = 0.935
)
