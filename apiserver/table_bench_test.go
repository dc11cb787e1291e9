package apiserver

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
)

// BenchmarkTableList is `kubectl get pods` of a namespace of 3,000 pods of
// bench/apiserver served from the watch cache (resourceVersion=0): a Table
// with each row's PartialObjectMetadata (includeObject=Metadata, kubectl's
// default) or the whole object (includeObject=Object, as `kubectl get -o
// wide --show-labels` never needs, but clients may ask). The first 2,000
// pods' writes have left the cache's window of recent events, so they are
// packed; the last 1,000 are still decoded.
//
//	go test -run '^$' -bench 'BenchmarkTableList' -benchmem ./apiserver/
func BenchmarkTableList(b *testing.B) {
	e := newEnv(b, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
	const pods = 3000
	var wg sync.WaitGroup
	for g := range benchInFlight {
		wg.Go(func() {
			c := newBenchClient(e.s, "POST", podsPath("bench"))
			for i := g; i < pods; i += benchInFlight {
				c.buf = append(c.buf[:0], benchPodBefore...)
				c.buf = strconv.AppendInt(append(c.buf, "nginx-"...), int64(i), 10)
				c.buf = append(c.buf, benchPodAfter...)
				c.buf = append(c.buf, '}')
				if code := c.do(c.buf); code != http.StatusCreated {
					b.Errorf("create: %d: %s", code, c.w.body.Bytes())
					return
				}
			}
		})
	}
	wg.Wait()
	for _, include := range []string{"Metadata", "Object"} {
		b.Run("include="+include, func(b *testing.B) {
			c := newBenchClient(e.s, "GET", podsPath("bench")+"?resourceVersion=0&includeObject="+include)
			c.req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
			b.ReportAllocs()
			for b.Loop() {
				if code := c.do(nil); code != http.StatusOK {
					b.Fatalf("list: %d: %s", code, c.w.body.Bytes())
				}
			}
			b.ReportMetric(float64(c.w.body.Len()), "B/list")
		})
	}
}
