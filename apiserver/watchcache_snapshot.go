package apiserver

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/google/btree"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The watch cache keeps its objects in a B-tree ordered by key as well as
// in a map, so that lists come out sorted without sorting, and so that a
// paginated list can be served from a snapshot: a lazy copy-on-write clone
// of the tree (btree.Clone, O(1)) taken at the first page's revision and
// kept, by revision, while that revision is within the cache's window of
// events. A snapshot at an older revision of the window is made by cloning
// the current tree and undoing the window's later events on the clone.

// cacheTreeDegree is the B-tree degree of the cache's ordered objects.
const cacheTreeDegree = 32

// objectTree is the cache's objects ordered by store key.
type objectTree = btree.BTreeG[*cachedObject]

// newObjectTree returns an empty tree ordered by key.
func newObjectTree() *objectTree {
	return btree.NewG(cacheTreeDegree, func(a, b *cachedObject) bool { return a.key < b.key })
}

// cacheSnapshot is the state of a resource at one revision. Its tree is
// never modified once made, so any number of goroutines may read it
// without a lock.
type cacheSnapshot struct {
	rev  int64
	tree *objectTree
}

// snapshot returns the state at rev (0: the cache's current revision),
// making it when needed, and whether the cache can serve it: it can when
// rev is within its window (no older than windowFrom, no newer than its
// revision) or a snapshot at rev is still kept. Making one costs a clone
// of the tree and, for a past revision, undoing the events after it.
func (c *watchCache) snapshot(rev int64) (*cacheSnapshot, bool) {
	if !c.ready() {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rev == 0 {
		rev = c.rev
	}
	if sn, ok := c.snaps[rev]; ok {
		return sn, true
	}
	if rev > c.rev || rev < c.windowFrom || c.stopped {
		return nil, false
	}
	t := c.tree.Clone()
	for i := c.n - 1; i >= 0; i-- {
		ev := c.ring[(c.head+i)%len(c.ring)]
		if ev.rev <= rev {
			break
		}
		switch {
		case ev.typ == metav1.Added:
			t.Delete(ev.obj)
		case ev.typ == metav1.Deleted && ev.prev == ev.obj:
			// The object was not in the cache before its deletion.
			t.Delete(ev.obj)
		default:
			t.ReplaceOrInsert(ev.prev)
		}
	}
	sn := &cacheSnapshot{rev: rev, tree: t}
	if c.snaps == nil {
		c.snaps = map[int64]*cacheSnapshot{}
	}
	c.snaps[rev] = sn
	return sn, true
}

// trimSnapshots forgets the snapshots older than the window. c.mu must be
// held.
func (c *watchCache) trimSnapshots() {
	for rev := range c.snaps {
		if rev < c.windowFrom {
			delete(c.snaps, rev)
		}
	}
}

// page returns the objects of the snapshot under prefix, from key from on
// ("" for the first), that lr selects: at most lr.limit of them when it is
// set. As the store path does, the page continues (cont is set) when any
// key under prefix follows its last object, and, unless lr filters,
// remaining counts those keys. The continue token carries sn.rev and the
// key after the last object, relative to r.prefix.
func (sn *cacheSnapshot) page(r *resource, lr *listRequest, from string) *listResult {
	prefix := r.listPrefix(lr.namespace)
	if from < prefix {
		from = prefix
	}
	res := &listResult{items: []*cachedObject{}, rev: sn.rev}
	filtered := !lr.label.Empty() || !lr.field.Empty()
	var last string
	var more int64
	sn.tree.AscendGreaterOrEqual(&cachedObject{key: from}, func(o *cachedObject) bool {
		if !strings.HasPrefix(o.key, prefix) {
			return false
		}
		if lr.limit > 0 && int64(len(res.items)) >= lr.limit {
			if res.cont == "" {
				res.cont = encodeCacheContinue(sn.rev, strings.TrimPrefix(last, r.prefix)+"\x00")
				if filtered {
					return false
				}
			}
			more++
			return true
		}
		if lr.matches(o) {
			res.items = append(res.items, o)
			last = o.key
		}
		return true
	})
	if res.cont != "" && !filtered {
		res.remaining = &more
	}
	return res
}

// cacheContinue is the continue token of a page served from the watch
// cache, in Kubernetes' format: base64url (unpadded) of this JSON, with
// start the first key of the next page relative to the resource's prefix.
// Tokens of the store path are the store's own, passed through; the two
// are told apart by decodeCacheContinue.
type cacheContinue struct {
	Version string `json:"v"`
	Rev     int64  `json:"rv"`
	Start   string `json:"start"`
}

// cacheContinueVersion is the v of every cache continue token.
const cacheContinueVersion = "meta.k8s.io/v1"

// encodeCacheContinue returns the token resuming at start at rev.
func encodeCacheContinue(rev int64, start string) string {
	b, _ := json.Marshal(cacheContinue{Version: cacheContinueVersion, Rev: rev, Start: start})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCacheContinue parses a token of encodeCacheContinue; ok is false
// for anything else (a store's token).
func decodeCacheContinue(s string) (cacheContinue, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || b[0] != '{' {
		return cacheContinue{}, false
	}
	var t cacheContinue
	if json.Unmarshal(b, &t) != nil || t.Version != cacheContinueVersion || t.Rev <= 0 || t.Start == "" {
		return cacheContinue{}, false
	}
	return t, true
}
