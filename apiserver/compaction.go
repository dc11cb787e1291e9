package apiserver

import (
	"context"
	"errors"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// compact discards the store's history periodically, as Kubernetes' API
// server compacts etcd: every interval it compacts at the revision it saw
// one interval earlier, so that history at least one interval old is kept
// for watches and paginated lists. It runs until ctx is done.
func (s *Server) compact(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var previous int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		resp, err := s.store.List(ctx, "/registry/", store.ListOptions{CountOnly: true})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error(err, "compaction: read the current revision")
			}
			continue
		}
		if previous > 0 {
			err := s.store.Compact(ctx, previous)
			switch {
			case err == nil:
				s.metrics.compactions.Inc()
			case errors.Is(err, store.ErrCompacted), ctx.Err() != nil:
				// Already compacted there (by another server), or closing.
			default:
				s.log.Error(err, "compaction", "revision", previous)
			}
			if h := s.testHookCompacted; h != nil {
				h(previous, err)
			}
		}
		previous = resp.Revision
	}
}
