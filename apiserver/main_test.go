package apiserver

import (
	"testing"

	"github.com/rigging-dev/rigging/internal/testwatch"
)

// TestMain reports the tests still running, and where their goroutines
// wait, a minute before -test.timeout would end the binary.
func TestMain(m *testing.M) { testwatch.Run(m) }
