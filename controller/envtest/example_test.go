package envtest_test

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
)

// Example starts a real API server in-process, creates a ConfigMap through
// the in-process client and reads it back. In a test, envtest.Start(t) does
// the same and cleans up by itself.
func Example() {
	ctx := context.Background()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()

	cms, err := client.For[corev1.ConfigMap](env.Client)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = cms.Namespace("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"},
		Data:       map[string]string{"mode": "fast"},
	}, client.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := cms.Namespace("default").Get(ctx, "settings", client.GetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Name, got.Data["mode"])
	// Output: settings fast
}
