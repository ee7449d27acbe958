package api

import "testing"

// SetMaxPages bounds the pages a list without a totalCount follows, for
// one test.
func SetMaxPages(t testing.TB, n int) {
	old := maxPages
	maxPages = n
	t.Cleanup(func() { maxPages = old })
}

// SetMaxAnswer bounds an answer's body, for one test.
func SetMaxAnswer(t testing.TB, n int) {
	old := maxAnswer
	maxAnswer = n
	t.Cleanup(func() { maxAnswer = old })
}
