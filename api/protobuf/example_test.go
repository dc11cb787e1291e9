package protobuf_test

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/protobuf"
)

// A ConfigMap goes out as an enveloped protobuf body, the way kubectl
// sends it, and comes back.
func Example() {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default"},
		Data:       map[string]string{"k": "v"},
	}
	raw, err := protobuf.Marshal(cm)
	if err != nil {
		fmt.Println(err)
		return
	}
	body := protobuf.EncodeEnvelope("v1", "ConfigMap", raw)

	apiVersion, kind, msg, err := protobuf.DecodeEnvelope(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	obj, _ := protobuf.New(apiVersion, kind)
	if err := protobuf.Unmarshal(msg, obj); err != nil {
		fmt.Println(err)
		return
	}
	got := obj.(*corev1.ConfigMap)
	fmt.Printf("%q %s %s/%s %v\n", body[:4], kind, got.Namespace, got.Name, got.Data)
	// Output: "k8s\x00" ConfigMap default/cfg map[k:v]
}
