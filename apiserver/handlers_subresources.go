package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/apiserver/patch"
)

// The subresources beyond status: scale (Deployments, ReplicaSets,
// StatefulSets), pods/binding, pods/eviction and namespaces/finalize.

// scaleOf returns the autoscaling/v1 Scale of obj: its metadata (name,
// namespace, uid, resourceVersion, creationTimestamp), desired and
// observed replicas and pod selector.
func scaleOf(r *resource, obj metav1.Object) *autoscalingv1.Scale {
	spec, status, selector := r.st.scaleGet(obj)
	m := obj.GetObjectMeta()
	return &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: metav1.ObjectMeta{
			Name: m.Name, Namespace: m.Namespace, UID: m.UID,
			ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp,
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: spec},
		Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: selector},
	}
}

// decodeScale decodes a Scale body.
func decodeScale(body []byte, strict bool) (*autoscalingv1.Scale, error) {
	return decodeInto(&autoscalingv1.Scale{}, "autoscaling/v1", "Scale", body, strict,
		func(sc *autoscalingv1.Scale) {
			sc.TypeMeta = metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"}
		},
		func(sc *autoscalingv1.Scale) metav1.TypeMeta { return sc.TypeMeta })
}

// handleScale serves GET and PUT of a scale subresource (PATCH goes
// through handlePatch to patchScale).
func (s *Server) handleScale(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	switch ri.verb {
	case "get":
		obj, err := s.get(r.Context(), ri.res, ri.namespace, ri.name, queryOf(r).Get("resourceVersion"))
		if err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, scaleOf(ri.res, obj))
	case "update":
		wo, strict, err := parseWriteOptions(queryOf(r))
		if err != nil {
			s.writeError(w, err)
			return
		}
		if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
			s.writeError(w, err)
			return
		}
		body, err := s.readBody(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		sc, err := decodeScale(body, strict)
		if err != nil {
			s.writeError(w, err)
			return
		}
		out, err := s.updateScale(r, ri, wo, func(metav1.Object) (*autoscalingv1.Scale, error) { return sc, nil })
		if err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// patchScale serves PATCH of a scale subresource: the patch applies to the
// object's current Scale.
func (s *Server) patchScale(w http.ResponseWriter, r *http.Request, ri *requestInfo, pt types.PatchType, body []byte, wo writeOptions) {
	_, strict, _ := parseWriteOptions(queryOf(r))
	out, err := s.updateScale(r, ri, wo, func(cur metav1.Object) (*autoscalingv1.Scale, error) {
		original, err := json.Marshal(scaleOf(ri.res, cur))
		if err != nil {
			return nil, errInternal(err)
		}
		patched, err := applyPatch(pt, original, body, patch.SchemaOf[autoscalingv1.Scale]())
		if err != nil {
			return nil, err
		}
		return decodeScale(patched, strict)
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// updateScale sets the replicas of ri's object to those of the Scale that
// newScale returns for the current object. The Scale's resourceVersion,
// when set, must be the object's (409 otherwise).
func (s *Server) updateScale(r *http.Request, ri *requestInfo, wo writeOptions,
	newScale func(cur metav1.Object) (*autoscalingv1.Scale, error)) (*autoscalingv1.Scale, error) {
	res := ri.res
	out, _, err := s.guaranteedUpdate(r.Context(), res, ri.namespace, ri.name, wo, func(cur metav1.Object) (metav1.Object, error) {
		sc, err := newScale(cur)
		if err != nil {
			return nil, err
		}
		if sc.Name != "" && sc.Name != ri.name {
			return nil, errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", sc.Name, ri.name))
		}
		if sc.Spec.Replicas < 0 {
			return nil, errInvalid("Scale.autoscaling", "autoscaling", "Scale", ri.name, field.ErrorList{
				field.Invalid(field.NewPath("spec", "replicas"), sc.Spec.Replicas, "must be greater than or equal to 0")})
		}
		next, err := res.copyObject(cur)
		if err != nil {
			return nil, errInternal(err)
		}
		res.st.scaleSet(next, sc.Spec.Replicas)
		return s.prepareUpdate(r.Context(), res, "scale", sc.ResourceVersion, next, cur, wo)
	})
	if err != nil {
		return nil, err
	}
	return scaleOf(res, out), nil
}

// handleBinding serves POST of pods/binding: it binds a pod to the node
// Target names, as the scheduler does. The pod must not be bound (409
// "pod x is already assigned to node y") nor being deleted (409); the
// Binding's uid, when set, must be the pod's. The pod gets spec.nodeName,
// the Binding's annotations and a PodScheduled condition True. The answer
// is 201 with a Success Status.
func (s *Server) handleBinding(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	wo, strict, err := parseWriteOptions(queryOf(r))
	if err != nil {
		s.writeError(w, err)
		return
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		s.writeError(w, err)
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	b, err := decodeInto(&corev1.Binding{}, "v1", "Binding", body, strict,
		func(b *corev1.Binding) { b.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Binding"} },
		func(b *corev1.Binding) metav1.TypeMeta { return b.TypeMeta })
	if err != nil {
		s.writeError(w, err)
		return
	}
	if b.Name == "" {
		b.Name = ri.name
	}
	if b.Name != ri.name {
		s.writeError(w, errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", b.Name, ri.name)))
		return
	}
	if b.Namespace == "" {
		b.Namespace = ri.namespace
	}
	if b.Namespace != ri.namespace {
		s.writeError(w, errBadRequest("the namespace of the provided object does not match the namespace sent on the request"))
		return
	}
	var errs field.ErrorList
	if b.Target.Name == "" {
		errs = append(errs, field.Required(field.NewPath("target", "name"), ""))
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		errs = append(errs, field.NotSupported(field.NewPath("target", "kind"), b.Target.Kind, []string{"Node", "<empty>"}))
	}
	if len(errs) > 0 {
		s.writeError(w, errInvalid("Binding", "", "Binding", b.Name, errs))
		return
	}
	res := ri.res
	a := attributes(Create, res, "binding", ri.namespace, ri.name, b, nil, wo.dryRun)
	a.Kind = "Binding"
	if err := s.admit(r.Context(), res, a); err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.validateAdmission(r.Context(), res, a); err != nil {
		s.writeError(w, err)
		return
	}
	_, _, err = s.guaranteedUpdate(r.Context(), res, ri.namespace, ri.name, wo, func(cur metav1.Object) (metav1.Object, error) {
		pod := cur.(*corev1.Pod)
		if b.UID != "" && b.UID != pod.UID {
			return nil, errConflict(res, ri.name, fmt.Sprintf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		if pod.DeletionTimestamp != nil {
			return nil, errConflict(res, ri.name, fmt.Sprintf("pod %s is being deleted, cannot be assigned to a host", ri.name))
		}
		if pod.Spec.NodeName != "" {
			return nil, errConflict(res, ri.name, fmt.Sprintf("pod %s is already assigned to node %q", ri.name, pod.Spec.NodeName))
		}
		pod.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodCondition(&pod.Status, corev1.PodCondition{
			Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(s.now()),
		})
		return pod, nil
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeSuccess(w, http.StatusCreated, nil)
}

// setPodCondition sets a condition, replacing one of the same type (whose
// transition time is kept when the status does not change).
func setPodCondition(st *corev1.PodStatus, c corev1.PodCondition) {
	i := slices.IndexFunc(st.Conditions, func(o corev1.PodCondition) bool { return o.Type == c.Type })
	if i < 0 {
		st.Conditions = append(st.Conditions, c)
		return
	}
	if st.Conditions[i].Status == c.Status {
		c.LastTransitionTime = st.Conditions[i].LastTransitionTime
	}
	st.Conditions[i] = c
}

// handleEviction serves POST of pods/eviction: admission runs as a create
// of pods/eviction, then the pod is deleted as by DELETE with the
// Eviction's deleteOptions (gracefully, by the pod's grace period). The
// answer is 201 with a Success Status.
func (s *Server) handleEviction(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	wo, strict, err := parseWriteOptions(queryOf(r))
	if err != nil {
		s.writeError(w, err)
		return
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		s.writeError(w, err)
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	ev, err := decodeInto(&Eviction{}, "policy/v1", "Eviction", body, strict,
		func(e *Eviction) { e.TypeMeta = metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"} },
		func(e *Eviction) metav1.TypeMeta {
			tm := e.TypeMeta
			if tm.APIVersion == "policy/v1beta1" {
				tm.APIVersion = "policy/v1" // the same shape
			}
			return tm
		})
	if err != nil {
		s.writeError(w, err)
		return
	}
	if ev.Name == "" {
		ev.Name = ri.name
	}
	if ev.Name != ri.name {
		s.writeError(w, errBadRequest(fmt.Sprintf("name in URL does not match name in Eviction object (%s, %s)", ri.name, ev.Name)))
		return
	}
	if ev.Namespace == "" {
		ev.Namespace = ri.namespace
	}
	if ev.Namespace != ri.namespace {
		s.writeError(w, errBadRequest("the namespace of the provided object does not match the namespace sent on the request"))
		return
	}
	res := ri.res
	if _, err := s.get(r.Context(), res, ri.namespace, ri.name, ""); err != nil {
		s.writeError(w, err)
		return
	}
	a := attributes(Create, res, "eviction", ri.namespace, ri.name, ev, nil, wo.dryRun)
	a.Group, a.Version, a.Kind = "policy", "v1", "Eviction"
	if err := s.admit(r.Context(), res, a); err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.validateAdmission(r.Context(), res, a); err != nil {
		s.writeError(w, err)
		return
	}
	opts := ev.DeleteOptions
	if opts != nil {
		for _, v := range opts.DryRun {
			if v == "All" {
				wo.dryRun = true
			}
		}
	}
	if _, _, err := s.delete(r.Context(), res, ri.namespace, ri.name, opts, wo); err != nil {
		s.writeError(w, err)
		return
	}
	writeSuccess(w, http.StatusCreated, nil)
}

// handleFinalize serves PUT of namespaces/finalize: only spec.finalizers
// change. A namespace being deleted whose finalizers are all gone is
// removed.
func (s *Server) handleFinalize(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	wo, strict, err := parseWriteOptions(queryOf(r))
	if err != nil {
		s.writeError(w, err)
		return
	}
	obj, err := s.readObject(r, ri.res, strict)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if err := checkObjectName(ri.res, "", ri.name, obj); err != nil {
		s.writeError(w, err)
		return
	}
	in := obj.(*corev1.Namespace)
	out, _, err := s.guaranteedUpdate(r.Context(), ri.res, "", ri.name, wo, func(cur metav1.Object) (metav1.Object, error) {
		next, err := ri.res.copyObject(cur)
		if err != nil {
			return nil, errInternal(err)
		}
		next.(*corev1.Namespace).Spec.Finalizers = in.Spec.Finalizers
		return s.prepareUpdate(r.Context(), ri.res, "finalize", in.ResourceVersion, next, cur, wo)
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeObject(w, http.StatusOK, out)
}
