package nlp

// Test floors, a little under what was measured (README, NLP): a change that loses accuracy fails.
var sentimentFloors = map[string]float64{"goemotions": 0.70, "dynasent-r1": 0.58, "dynasent-r2": 0.54, "calls": 0.77, "contact-center": 0.88}

const (
	threatFloor    = 0.80
	banking77Floor = 0.925
)
