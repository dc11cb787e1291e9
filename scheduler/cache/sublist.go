package cache

import (
	"slices"

	"github.com/rigging-dev/rigging/scheduler/framework"
)

// subList is a subset of a Snapshot's nodes in the Snapshot's list order:
// the NodeInfos and their positions in the list, sorted by position. It
// lets a node join or leave the subset without a scan of every node.
type subList struct {
	pos   []int
	infos []*framework.NodeInfo
}

func (l *subList) reset() {
	l.pos = l.pos[:0]
	clear(l.infos)
	l.infos = l.infos[:0]
}

// append adds ni at position i, which must follow every position in l.
func (l *subList) append(i int, ni *framework.NodeInfo) {
	l.pos = append(l.pos, i)
	l.infos = append(l.infos, ni)
}

// set makes ni, at position i of the Snapshot's list, a member of l or
// not.
func (l *subList) set(i int, ni *framework.NodeInfo, member bool) {
	k, found := slices.BinarySearch(l.pos, i)
	switch {
	case member && !found:
		l.pos = slices.Insert(l.pos, k, i)
		l.infos = slices.Insert(l.infos, k, ni)
	case member && found:
		l.infos[k] = ni
	case !member && found:
		l.pos = slices.Delete(l.pos, k, k+1)
		l.infos = slices.Delete(l.infos, k, k+1)
	}
}
