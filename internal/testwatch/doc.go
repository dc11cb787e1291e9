// Package testwatch makes a test binary that is about to hit its
// -test.timeout say why, briefly, at the end of its output.
//
// When go test's timeout fires, the testing package panics with the names
// of the tests still running at the top and then every goroutine's stack:
// thousands of lines for a package that runs servers, and a CI log that
// keeps only its tail shows none of the names. Run instead reports a
// minute before the timeout: the goroutines that are in this module's
// code or have waited for minutes, identical stacks folded together with
// a count, followed by the tests still running, and exits with status 2.
//
// Start with Run, called from a package's TestMain:
//
//	func TestMain(m *testing.M) { testwatch.Run(m) }
package testwatch
