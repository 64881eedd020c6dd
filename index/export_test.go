package index

// SetCommonPhraseCalls lets tests take both ways of filtering by key phrase.
func SetCommonPhraseCalls(n int) (restore func()) {
	old := commonPhraseCalls
	commonPhraseCalls = n
	return func() { commonPhraseCalls = old }
}
