package spectest

import "testing"

// TestZZUncovered must stay the last test of the package (Go runs tests in
// file-name order, then source order): it lists the handlers that no test
// above marked as covered.
func TestZZUncovered(t *testing.T) { testUncovered(t) }
