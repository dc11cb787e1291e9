package testpods

import (
	"encoding/json"
	"testing"
)

func TestForms(t *testing.T) {
	if got := string(JSON("bench", "nginx-000-000000")); got != Bench {
		t.Fatalf("JSON and Bench differ:\n%s\n%s", got, Bench)
	}
	for _, body := range []string{Bench, string(JSON(`q"ns`, "a\\b"))} {
		var pod struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
			Spec struct {
				Containers []struct {
					Name string `json:"name"`
				} `json:"containers"`
			} `json:"spec"`
		}
		if err := json.Unmarshal([]byte(body), &pod); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if pod.Kind != "Pod" || pod.Metadata.Name == "" || len(pod.Spec.Containers) != 1 {
			t.Errorf("decoded %+v", pod)
		}
	}
	var got struct {
		Metadata struct{ Name, Namespace string }
	}
	if err := json.Unmarshal(JSON(`q"ns`, `a\b`), &got); err != nil || got.Metadata.Name != `a\b` || got.Metadata.Namespace != `q"ns` {
		t.Errorf("escaped name and namespace: %+v, %v", got, err)
	}
}
