//go:build race

package validation_test

// raceEnabled is true when the tests run under the race detector, which
// makes the long tests cut their work.
const raceEnabled = true
