package storetest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rigging-dev/rigging/store"
)

func leaseTests() []test {
	return []test{
		{"Grant", testLeaseGrant},
		{"AttachAndTimeToLive", testLeaseAttach},
		{"KeepAliveExtends", testLeaseKeepAlive},
		{"Revoke", testLeaseRevoke},
		{"Expiry", testLeaseExpiry},
		{"UnknownLease", testLeaseUnknown},
		{"PutWithoutLeaseDetaches", testLeaseDetach},
	}
}

// timeToLive is TimeToLive that fails the test on error.
func (h *harness) timeToLive(id store.LeaseID) store.LeaseStatus {
	h.t.Helper()
	st, err := h.s.TimeToLive(h.ctx, id)
	if err != nil {
		h.t.Fatalf("TimeToLive(%d): %v", id, err)
	}
	return st
}

// wantLeaseKeys fails the test unless lease id has exactly keys attached.
func (h *harness) wantLeaseKeys(id store.LeaseID, keys []string, after string) {
	h.t.Helper()
	if d := diff(keys, h.timeToLive(id).Keys); d != "" {
		h.t.Errorf("TimeToLive(%d).Keys after %s (-want +got):\n%s", id, after, d)
	}
}

// wantLeaseGone fails the test unless every lease call on id reports
// ErrLeaseNotFound.
func (h *harness) wantLeaseGone(id store.LeaseID, why string) {
	h.t.Helper()
	_, err := h.s.KeepAlive(h.ctx, id)
	h.wantErr(err, store.ErrLeaseNotFound, fmt.Sprintf("KeepAlive(%d) %s", id, why))
	_, err = h.s.TimeToLive(h.ctx, id)
	h.wantErr(err, store.ErrLeaseNotFound, fmt.Sprintf("TimeToLive(%d) %s", id, why))
	err = h.s.Revoke(h.ctx, id)
	h.wantErr(err, store.ErrLeaseNotFound, fmt.Sprintf("Revoke(%d) %s", id, why))
}

// byKey sorts events by key: the order of the events of one revision is
// not part of the contract.
func byKey(events []store.Event) []store.Event {
	s := slices.Clone(events)
	slices.SortStableFunc(s, func(a, b store.Event) int { return strings.Compare(a.KV.Key, b.KV.Key) })
	return s
}

// Grant returns a non-zero ID and the TTL asked for, or that TTL rounded
// up to whole seconds; granting is not a write.
func testLeaseGrant(h *harness) {
	l1 := h.grant(10 * time.Second)
	if l1.ID == store.NoLease {
		h.t.Errorf("Grant(10s) returned lease ID %d, which is NoLease", l1.ID)
	}
	if l1.TTL != 10*time.Second {
		h.t.Errorf("Grant(10s) granted a TTL of %v", l1.TTL)
	}
	l2 := h.grant(2500 * time.Millisecond)
	if l2.TTL != 2500*time.Millisecond && l2.TTL != 3*time.Second {
		h.t.Errorf("Grant(2.5s) granted a TTL of %v, want 2.5s or 3s", l2.TTL)
	}
	if l2.ID == l1.ID || l2.ID == store.NoLease {
		h.t.Errorf("second Grant returned lease ID %d; the first was %d", l2.ID, l1.ID)
	}
	st := h.timeToLive(l1.ID)
	if st.ID != l1.ID || st.TTL != l1.TTL || st.Remaining <= 0 || st.Remaining > l1.TTL || len(st.Keys) != 0 {
		h.t.Errorf("TimeToLive of a new lease %+v = %+v; want its ID and TTL, 0 < Remaining <= TTL, no keys", l1, st)
	}
	h.wantRev(0, "two Grants")
}

// Keys attached with Create, Put or Update carry the lease, and
// TimeToLive lists them in byte order until they are deleted or moved.
func testLeaseAttach(h *harness) {
	l := h.grant(time.Minute)
	other := h.grant(time.Minute)
	opts := store.PutOptions{Lease: l.ID}
	if d := diff(store.WriteResponse{KV: leased(kv("l/b", "1", 1, 1, 1), l.ID), Revision: 1}, h.put("l/b", "1", opts)); d != "" {
		h.t.Errorf("Put with a lease (-want +got):\n%s", d)
	}
	if d := diff(store.WriteResponse{KV: leased(kv("l/a", "1", 2, 2, 1), l.ID), Revision: 2}, h.create("l/a", "1", opts)); d != "" {
		h.t.Errorf("Create with a lease (-want +got):\n%s", d)
	}
	h.create("l/d", "1", store.PutOptions{}) // 3
	want := store.WriteResponse{KV: leased(kv("l/d", "2", 3, 4, 2), l.ID), PrevKV: ptr(kv("l/d", "1", 3, 3, 1)), Revision: 4}
	if d := diff(want, h.update("l/d", "2", store.UpdateOptions{Lease: l.ID})); d != "" {
		h.t.Errorf("Update with a lease (-want +got):\n%s", d)
	}
	h.create("l/c", "1", opts) // 5
	if d := diff(store.GetResponse{KV: leased(kv("l/a", "1", 2, 2, 1), l.ID), Revision: 5}, h.get("l/a", 0)); d != "" {
		h.t.Errorf("Get of a leased key (-want +got):\n%s", d)
	}
	h.wantLeaseKeys(l.ID, []string{"l/a", "l/b", "l/c", "l/d"}, "attaching four keys")
	h.del("l/b", store.DeleteOptions{})
	h.wantLeaseKeys(l.ID, []string{"l/a", "l/c", "l/d"}, "deleting l/b")
	h.put("l/c", "2", store.PutOptions{Lease: other.ID})
	h.wantLeaseKeys(l.ID, []string{"l/a", "l/d"}, "moving l/c to another lease")
	h.wantLeaseKeys(other.ID, []string{"l/c"}, "moving l/c to this lease")
}

// KeepAlive renews a lease for its full TTL.
func testLeaseKeepAlive(h *harness) {
	l := h.grant(10 * time.Second)
	// Wait, by polling the time-based Remaining, until the lease has aged
	// 1.5 s; stores may report Remaining in whole seconds.
	var aged store.LeaseStatus
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for end := newDeadline(l.TTL); ; {
		aged = h.timeToLive(l.ID)
		if aged.Remaining <= l.TTL-1500*time.Millisecond {
			break
		}
		if end.left() == 0 {
			h.t.Fatalf("TimeToLive(%d).Remaining still %v after %v", l.ID, aged.Remaining, l.TTL)
		}
		<-tick.C
	}
	ttl, err := h.s.KeepAlive(h.ctx, l.ID)
	if err != nil {
		h.t.Fatalf("KeepAlive(%d): %v", l.ID, err)
	}
	if ttl != l.TTL {
		h.t.Errorf("KeepAlive(%d) = %v, want the granted TTL %v", l.ID, ttl, l.TTL)
	}
	if renewed := h.timeToLive(l.ID); renewed.Remaining <= aged.Remaining || renewed.Remaining > l.TTL {
		h.t.Errorf("Remaining %v before KeepAlive and %v after; want it renewed to at most the TTL %v", aged.Remaining, renewed.Remaining, l.TTL)
	}
	_, err = h.s.KeepAlive(h.ctx, l.ID+1000)
	h.wantErr(err, store.ErrLeaseNotFound, "KeepAlive of a lease never granted")
}

// Revoke deletes every attached key in one write, and the lease is gone.
func testLeaseRevoke(h *harness) {
	l := h.grant(time.Minute)
	h.put("l/keep", "v", store.PutOptions{})
	var attached []store.WriteResponse
	attached = append(attached, h.put("l/a", "1", store.PutOptions{Lease: l.ID}))
	attached = append(attached, h.create("l/c", "1", store.PutOptions{Lease: l.ID}))
	h.create("l/b", "1", store.PutOptions{})
	attached = append(attached, h.update("l/b", "2", store.UpdateOptions{Lease: l.ID}))
	s := h.watch("l/", store.WatchOptions{})
	before := h.rev()
	if err := h.s.Revoke(h.ctx, l.ID); err != nil {
		h.t.Fatalf("Revoke(%d): %v", l.ID, err)
	}
	h.wantRev(before+1, "revoking a lease with three keys")
	var want []store.Event
	for _, r := range attached {
		want = append(want, store.Event{Type: store.EventDelete, KV: deletion(r.KV.Key, before+1), PrevKV: ptr(r.KV)})
	}
	if d := diff(byKey(want), byKey(h.mustUntil(s, before+1))); d != "" {
		h.t.Errorf("watch events of Revoke, in key order (-want +got):\n%s", d)
	}
	for _, r := range attached {
		_, err := h.s.Get(h.ctx, r.KV.Key, store.ReadOptions{})
		h.wantErr(err, store.ErrNotFound, fmt.Sprintf("Get(%q) after Revoke", r.KV.Key))
	}
	if d := diff(kv("l/keep", "v", 1, 1, 1), h.get("l/keep", 0).KV); d != "" {
		h.t.Errorf("a key without the lease after Revoke (-want +got):\n%s", d)
	}
	h.wantLeaseGone(l.ID, "after Revoke")
}

// A lease that is not kept alive expires: its keys are deleted in one
// write, within its TTL plus a grace period.
func testLeaseExpiry(h *harness) {
	l := h.grant(time.Second)
	var attached []store.WriteResponse
	for _, k := range []string{"e/b", "e/a", "e/c"} {
		r, err := h.s.Put(h.ctx, k, []byte("v"), store.PutOptions{Lease: l.ID})
		if err != nil {
			h.t.Fatalf("Put(%q) with a lease of %v granted just before: %v", k, l.TTL, err)
		}
		attached = append(attached, r)
	}
	// Watch from the revision after the last write, in case the lease
	// expires before the watch starts.
	before := h.put("e/keep", "v", store.PutOptions{}).Revision
	s := h.watch("e/", store.WatchOptions{Revision: before + 1})
	got, err := s.until(before+1, l.TTL+leaseGrace)
	if err != nil {
		h.t.Fatalf("waiting for the lease of %v to expire: %v", l.TTL, err)
	}
	var want []store.Event
	for _, r := range attached {
		want = append(want, store.Event{Type: store.EventDelete, KV: deletion(r.KV.Key, before+1), PrevKV: ptr(r.KV)})
	}
	if d := diff(byKey(want), byKey(got)); d != "" {
		h.t.Errorf("watch events of the lease expiry, in key order (-want +got):\n%s", d)
	}
	h.wantRev(before+1, "the lease expired")
	if d := diff([]store.KeyValue{kv("e/keep", "v", 4, 4, 1)}, h.list("e/", store.ListOptions{}).KVs); d != "" {
		h.t.Errorf("keys after the lease expired (-want +got):\n%s", d)
	}
	h.wantLeaseGone(l.ID, "after expiry")
}

// Attaching a key to a lease that does not exist fails with
// ErrLeaseNotFound and changes nothing.
func testLeaseUnknown(h *harness) {
	revoked := h.grant(time.Minute)
	if err := h.s.Revoke(h.ctx, revoked.ID); err != nil {
		h.t.Fatalf("Revoke(%d): %v", revoked.ID, err)
	}
	unknown := store.LeaseID(0x5eed_0000_1234)
	if unknown == revoked.ID {
		unknown++
	}
	h.create("u/a", "1", store.PutOptions{})
	for _, id := range []store.LeaseID{unknown, revoked.ID} {
		calls := []struct {
			name string
			call func() error
		}{
			{"Create", func() error { _, err := h.s.Create(h.ctx, "u/b", []byte("x"), store.PutOptions{Lease: id}); return err }},
			{"Put new", func() error { _, err := h.s.Put(h.ctx, "u/b", []byte("x"), store.PutOptions{Lease: id}); return err }},
			{"Put existing", func() error { _, err := h.s.Put(h.ctx, "u/a", []byte("x"), store.PutOptions{Lease: id}); return err }},
			{"Update", func() error {
				_, err := h.s.Update(h.ctx, "u/a", []byte("x"), store.UpdateOptions{Lease: id})
				return err
			}},
		}
		for _, c := range calls {
			before := h.state()
			err := c.call()
			h.wantErr(err, store.ErrLeaseNotFound, fmt.Sprintf("%s with lease %d", c.name, id))
			h.unchanged(before, fmt.Sprintf("%s with lease %d", c.name, id))
		}
	}
	h.wantLeaseGone(unknown, "of a lease never granted")
	h.wantLeaseGone(revoked.ID, "after Revoke")
}

// A Put or Update without a lease detaches the key from its lease, as an
// etcd put without a lease does: the lease no longer lists it, and
// revoking the lease leaves it.
func testLeaseDetach(h *harness) {
	l := h.grant(time.Minute)
	r1 := h.put("k", "1", store.PutOptions{Lease: l.ID})
	want := store.WriteResponse{KV: kv("k", "2", 1, 2, 2), PrevKV: ptr(r1.KV), Revision: 2}
	if d := diff(want, h.put("k", "2", store.PutOptions{})); d != "" {
		h.t.Errorf("Put without a lease of a leased key (-want +got):\n%s", d)
	}
	h.wantLeaseKeys(l.ID, nil, "Put without a lease")
	h.update("k", "3", store.UpdateOptions{Lease: l.ID})
	h.wantLeaseKeys(l.ID, []string{"k"}, "Update with the lease")
	want = store.WriteResponse{KV: kv("k", "4", 1, 4, 4), PrevKV: ptr(leased(kv("k", "3", 1, 3, 3), l.ID)), Revision: 4}
	if d := diff(want, h.update("k", "4", store.UpdateOptions{})); d != "" {
		h.t.Errorf("Update without a lease of a leased key (-want +got):\n%s", d)
	}
	h.wantLeaseKeys(l.ID, nil, "Update without a lease")
	if err := h.s.Revoke(h.ctx, l.ID); err != nil {
		h.t.Fatalf("Revoke(%d): %v", l.ID, err)
	}
	if d := diff(kv("k", "4", 1, 4, 4), h.get("k", 0).KV); d != "" {
		h.t.Errorf("a detached key after Revoke (-want +got):\n%s", d)
	}
}
