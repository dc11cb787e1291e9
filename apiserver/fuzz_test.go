package apiserver

import (
	"net/http"
	"testing"
)

// fuzzCollections are the collections FuzzCreate posts to.
var fuzzCollections = []string{
	"/api/v1/namespaces/default/pods",
	"/api/v1/namespaces/default/services",
	"/api/v1/namespaces/default/configmaps",
	"/api/v1/namespaces/default/resourcequotas",
	"/api/v1/namespaces",
	"/api/v1/nodes",
	"/apis/apps/v1/namespaces/default/deployments",
	"/apis/scheduling.k8s.io/v1/priorityclasses",
	"/api/v1/namespaces/default/pods/web/binding",
	"/api/v1/namespaces/default/pods/web/eviction",
}

// FuzzCreate posts arbitrary bytes: the server must answer, never with a
// 5xx, and never panic.
func FuzzCreate(f *testing.F) {
	for _, seed := range []string{
		`{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
		`{"metadata":{"generateName":"g-"},"spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"1e3"}}}]}}`,
		`{"metadata":{"name":"../x"}}`,
		`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"A"}}`,
		`{"metadata":{"name":"q"},"spec":{"hard":{"pods":"-1","requests.cpu":"1Ei"}}}`,
		`{"metadata":{"name":"b","finalizers":["x"]},"spec":{"replicas":-5,"selector":{"matchExpressions":[{"key":"a","operator":"In"}]}}}`,
		`{"metadata":{"name":"web"},"target":{"name":"n"}}`,
		`{"metadata":{"name":"web"},"deleteOptions":{"gracePeriodSeconds":-3}}`,
		`{"metadata":{"name":"p"},"value":2000000001,"globalDefault":true}`,
		`{"metadata":{"name":"s"},"spec":{"ports":[{"port":99999}],"type":"LoadBalancer"}}`,
		`null`, `[]`, `"x"`, `{}`, `{"metadata":null}`, "\x00\xff", `{"metadata":{"creationTimestamp":"9999-99-99"}}`,
	} {
		for i := range fuzzCollections {
			f.Add(uint8(i), []byte(seed))
		}
	}
	shared := newEnv(f, Options{})
	shared.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/pods", testPod("", "web"), nil)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		e := *shared
		e.t = t
		path := fuzzCollections[int(which)%len(fuzzCollections)]
		code, b := e.do("POST", path, body)
		if code >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, code, b)
		}
	})
}

// FuzzPatch sends arbitrary patches of each type to a pod: the server must
// answer, never with a 5xx, and never panic.
func FuzzPatch(f *testing.F) {
	types := []string{"application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json"}
	for _, seed := range []string{
		`{"metadata":{"labels":{"a":"b"}}}`,
		`{"spec":{"containers":[{"name":"app","image":"x"}]}}`,
		`{"spec":{"containers":[{"$patch":"delete","name":"app"}]}}`,
		`{"spec":{"$setElementOrder/containers":[{"name":"z"}]}}`,
		`[{"op":"replace","path":"/spec/containers/0/image","value":"y"}]`,
		`[{"op":"move","from":"/spec","path":"/spec/x"}]`,
		`[{"op":"remove","path":""}]`,
		`[{"op":"copy","from":"/spec/containers","path":"/metadata/labels"}]`,
		`{"metadata":{"resourceVersion":"x"}}`,
		`{"metadata":{"name":"other"}}`,
		`{"status":{"phase":"Running"}}`,
		`null`, `5`, `"s"`, `[]`, `{}`, `{"spec":null}`, `{"metadata":{"uid":"u"}}`,
	} {
		for i := range types {
			f.Add(uint8(i), []byte(seed))
		}
	}
	shared := newEnv(f, Options{})
	shared.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/pods", testPod("", "web"), nil)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		e := *shared
		e.t = t
		ct := types[int(which)%len(types)]
		for _, path := range []string{"/api/v1/namespaces/default/pods/web", "/api/v1/namespaces/default/pods/web/status",
			"/apis/apps/v1/namespaces/default/deployments/none/scale"} {
			code, b := e.do("PATCH", path, body, "Content-Type", ct)
			if code >= 500 {
				t.Fatalf("PATCH %s (%s) %q: %d %s", path, ct, body, code, b)
			}
		}
	})
}
