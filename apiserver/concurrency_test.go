package apiserver

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// TestConcurrentWriters has 100 writers increment one counter with
// read-modify-write under resourceVersion preconditions, retrying on 409:
// no increment may be lost.
func TestConcurrentWriters(t *testing.T) {
	e := newEnv(t, Options{})
	path := "/api/v1/namespaces/default/configmaps"
	e.must(http.StatusCreated, "POST", path, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "counter"}, Data: map[string]string{"n": "0"},
	}, nil)
	const writers, each = 100, 1
	var wg sync.WaitGroup
	var successes, conflicts atomic.Int64
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				var cm corev1.ConfigMap
				code, b := e.do("GET", path+"/counter", nil)
				if code != http.StatusOK {
					errs <- fmt.Errorf("get: %d %s", code, b)
					return
				}
				if err := jsonUnmarshal(b, &cm); err != nil {
					errs <- err
					return
				}
				n, _ := strconv.Atoi(cm.Data["n"])
				cm.Data["n"] = strconv.Itoa(n + 1)
				code, b = e.do("PUT", path+"/counter", &cm)
				switch code {
				case http.StatusOK:
					successes.Add(1)
					done++
				case http.StatusConflict:
					if st := status(t, b); st.Reason != metav1.StatusReasonConflict {
						errs <- fmt.Errorf("409 with reason %q", st.Reason)
						return
					}
					conflicts.Add(1)
				default:
					errs <- fmt.Errorf("put: %d %s", code, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	e.must(http.StatusOK, "GET", path+"/counter", nil, &cm)
	if cm.Data["n"] != strconv.Itoa(writers*each) || successes.Load() != writers*each {
		t.Fatalf("counter %s after %d successful updates, want %d", cm.Data["n"], successes.Load(), writers*each)
	}
	t.Logf("%d updates, %d conflicts retried", successes.Load(), conflicts.Load())
}

// TestUnconditionalUpdatesRetry: updates without a resourceVersion never
// fail with 409, whatever the concurrency.
func TestUnconditionalUpdatesRetry(t *testing.T) {
	e := newEnv(t, Options{})
	path := "/api/v1/namespaces/default/configmaps"
	e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"c"}}`, nil)
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := e.do("PUT", path+"/c", fmt.Sprintf(`{"metadata":{"name":"c"},"data":{"k":"%d"}}`, i))
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Errorf("unconditional update: %d", code)
		}
	}
}
