package forecast

import "math"

// ErlangC is the probability that a call waits, with agents serving traffic erlangs (calls per hour ×
// handle time in hours); 1 when the agents cannot keep up (agents ≤ traffic). Computed through the
// Erlang B recursion, which stays exact for hundreds of agents.
func ErlangC(agents int, traffic float64) float64 {
	if agents <= 0 || float64(agents) <= traffic {
		return 1
	}
	b := 1.0 // Erlang B with 0 agents
	for k := 1; k <= agents; k++ {
		b = traffic * b / (float64(k) + traffic*b)
	}
	n := float64(agents)
	return b / (1 - traffic/n*(1-b))
}

// ServiceLevel is the share of calls answered within answerS seconds with agents agents, callsPerHour
// arriving and handleS seconds of handle time each.
func ServiceLevel(agents int, callsPerHour, handleS, answerS float64) float64 {
	if callsPerHour <= 0 {
		return 1
	}
	a := callsPerHour * handleS / 3600
	if float64(agents) <= a {
		return 0
	}
	return 1 - ErlangC(agents, a)*math.Exp(-(float64(agents)-a)*answerS/handleS)
}

// Agents is the fewest agents that answer target (e.g. 0.8) of calls within answerS seconds, and the
// service level they reach; 0 agents for an hour without calls.
func Agents(callsPerHour, handleS, answerS, target float64) (int, float64) {
	if callsPerHour <= 0 || handleS <= 0 {
		return 0, 1
	}
	n := int(math.Floor(callsPerHour*handleS/3600)) + 1
	for {
		if sl := ServiceLevel(n, callsPerHour, handleS, answerS); sl >= target {
			return n, sl
		}
		n++
	}
}
