package deployment

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// safeAlphabet is Kubernetes' alphabet for generated name suffixes
// (k8s.io/apimachinery/pkg/util/rand): no vowels, so no words, and no
// characters that look alike (0/o, 1/l, 3/e).
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// SafeEncodeString maps each character of s to the character of
// Kubernetes' safe alphabet "bcdfghjklmnpqrstvwxz2456789" at the
// character's code point modulo 27, as Kubernetes' rand.SafeEncodeString
// does. The result has as many bytes as s has characters.
func SafeEncodeString(s string) string {
	r := make([]byte, 0, len(s))
	for _, c := range s {
		r = append(r, safeAlphabet[int(c)%len(safeAlphabet)])
	}
	return string(r)
}

// ComputeHash returns the pod-template-hash of template with collisionCount
// (nil for none): the FNV-32a hash of the template's JSON encoding,
// followed, when collisionCount is not nil, by its value as 8
// little-endian bytes (the upper four zero), written in decimal and
// encoded with SafeEncodeString. This is Kubernetes' controller.ComputeHash
// except that Kubernetes hashes a spew dump of the Go value where Rigging
// hashes the JSON: the hashes differ from Kubernetes' own, but are stable
// across processes and releases of the same type definitions, and change
// when the template or the collision count does.
//
// It fails only when template cannot be encoded as JSON.
func ComputeHash(template *corev1.PodTemplateSpec, collisionCount *int32) (string, error) {
	raw, err := json.Marshal(template)
	if err != nil {
		return "", fmt.Errorf("hash pod template: %w", err)
	}
	h := fnv.New32a()
	h.Write(raw)
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return SafeEncodeString(fmt.Sprint(h.Sum32())), nil
}

// withoutHash returns a copy of t without the pod-template-hash label.
func withoutHash(t *corev1.PodTemplateSpec) *corev1.PodTemplateSpec {
	c := t.DeepCopy()
	if _, ok := c.Labels[appsv1.DefaultDeploymentUniqueLabelKey]; ok {
		c.Labels = maps.Clone(c.Labels)
		delete(c.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	}
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	return c
}

// EqualIgnoreHash reports whether the pod templates a and b are the same
// once the pod-template-hash label is removed from both, as Kubernetes'
// deployment util.EqualIgnoreHash does: this is how a Deployment finds the
// ReplicaSet of its current template. Templates are compared by their
// JSON encoding, so that an empty map and a missing one are equal.
func EqualIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	ra, errA := json.Marshal(withoutHash(a))
	rb, errB := json.Marshal(withoutHash(b))
	return errA == nil && errB == nil && bytes.Equal(ra, rb)
}
