package storetest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/storetest"
)

// openMyStore stands for an implementation's constructor: it opens a
// fresh store in dir that sends progress notifications every interval.
func openMyStore(dir string, interval time.Duration) (store.Store, error) {
	return nil, errors.New("openMyStore stands for your implementation")
}

// An implementation runs the suite from one of its own tests, opening a
// fresh store per subtest and closing it in a cleanup. The test function
// below would be TestConformance in the implementation's _test.go file.
func ExampleRun() {
	testConformance := func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			s, err := openMyStore(t.TempDir(), 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() }) // the suite may have closed it already
			return s
		})
	}
	_ = testConformance
}

// A store with smaller limits says so, so that the suite writes keys and
// values of exactly those sizes and one byte over.
func ExampleRunWithOptions() {
	testConformance := func(t *testing.T) {
		opts := storetest.Options{
			Limits:          store.Limits{MaxKeySize: 512, MaxValueSize: 64 << 10},
			ProgressTimeout: 5 * time.Second,
		}
		storetest.RunWithOptions(t, opts, func(t *testing.T) store.Store {
			s, err := openMyStore(t.TempDir(), 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	}
	_ = testConformance
}
