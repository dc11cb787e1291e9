package raftstore

import (
	"testing"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/storetest"
)

// TestConformanceLeader runs the store suite against the leader of a
// 3-replica cluster.
func TestConformanceLeader(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		c := newCluster(t, 3)
		return c.waitLeader()
	})
}

// TestConformanceFollower runs the store suite against a follower: its
// writes are forwarded to the leader, its reads confirmed with it.
func TestConformanceFollower(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		c := newCluster(t, 3)
		return c.nodes[c.follower()]
	})
}
