package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	clientv3 "go.etcd.io/etcd/client/v3"

	rstore "github.com/rigging-dev/rigging/store"
)

// target is what a workload drives: one way of reaching one store. Its
// methods are safe for concurrent use.
type target interface {
	// put writes value at key and returns the revision of the write, once
	// it is durable.
	put(ctx context.Context, key string, value []byte) (rev int64, err error)
	// get reads key (linearizably, where the store distinguishes).
	get(ctx context.Context, key string) error
	// list reads every key under prefix at one revision, in requests of
	// page keys (0: all in one request), and returns how many it read.
	list(ctx context.Context, prefix string, page int64) (int, error)
	// watch opens a watch of the keys under prefix that delivers every
	// change written after it returns.
	watch(ctx context.Context, prefix string) (watchStream, error)
}

// watchStream blocks for the next batch of a watch and returns the
// revisions of its events (possibly none, for a notification); it returns
// io.EOF when the stream ended without an error.
type watchStream func() ([]int64, error)

// storeTarget drives a store.Store: mvcc in-process, or etcd through
// store/etcd.
type storeTarget struct {
	s rstore.Store
}

func (t storeTarget) put(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := t.s.Put(ctx, key, value, rstore.PutOptions{})
	if err != nil {
		return 0, err
	}
	return resp.Revision, nil
}

func (t storeTarget) get(ctx context.Context, key string) error {
	_, err := t.s.Get(ctx, key, rstore.ReadOptions{})
	return err
}

func (t storeTarget) list(ctx context.Context, prefix string, page int64) (int, error) {
	opts := rstore.ListOptions{Limit: page}
	n := 0
	for {
		resp, err := t.s.List(ctx, prefix, opts)
		if err != nil {
			return n, err
		}
		n += len(resp.KVs)
		if resp.Continue == "" {
			return n, nil
		}
		opts.Continue = resp.Continue
	}
}

func (t storeTarget) watch(ctx context.Context, prefix string) (watchStream, error) {
	ch, err := t.s.Watch(ctx, prefix, rstore.WatchOptions{})
	if err != nil {
		return nil, err
	}
	return func() ([]int64, error) {
		resp, ok := <-ch
		if !ok {
			return nil, io.EOF
		}
		if resp.Err != nil {
			return nil, resp.Err
		}
		revs := make([]int64, len(resp.Events))
		for i, ev := range resp.Events {
			revs[i] = ev.KV.ModRevision
		}
		return revs, nil
	}, nil
}

// rawTarget drives etcd through clientv3 alone, with the cheapest request
// that does each job: a plain Put (no previous value), a linearizable Get,
// Ranges pinned to the first page's revision, a prefix watch without
// previous values.
type rawTarget struct {
	c *clientv3.Client
}

func (t rawTarget) put(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := t.c.Put(ctx, key, string(value))
	if err != nil {
		return 0, err
	}
	return resp.Header.Revision, nil
}

func (t rawTarget) get(ctx context.Context, key string) error {
	resp, err := t.c.Get(ctx, key)
	if err != nil {
		return err
	}
	if len(resp.Kvs) == 0 {
		return fmt.Errorf("get %q: not found", key)
	}
	return nil
}

func (t rawTarget) list(ctx context.Context, prefix string, page int64) (int, error) {
	end := clientv3.GetPrefixRangeEnd(prefix)
	key, rev, n := prefix, int64(0), 0
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithRev(rev)}
		if page > 0 {
			opts = append(opts, clientv3.WithLimit(page))
		}
		resp, err := t.c.Get(ctx, key, opts...)
		if err != nil {
			return n, err
		}
		n += len(resp.Kvs)
		if !resp.More || len(resp.Kvs) == 0 {
			return n, nil
		}
		rev = resp.Header.Revision
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

func (t rawTarget) watch(ctx context.Context, prefix string) (watchStream, error) {
	// Watching from the revision after a linearizable read makes every
	// write that starts after watch returns visible to the watch, as the
	// store contract promises for the other targets.
	resp, err := t.c.Get(ctx, prefix, clientv3.WithCountOnly())
	if err != nil {
		return nil, err
	}
	ch := t.c.Watch(ctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1))
	return func() ([]int64, error) {
		resp, ok := <-ch
		if !ok {
			return nil, io.EOF
		}
		if err := resp.Err(); err != nil {
			return nil, err
		}
		if resp.Canceled {
			return nil, errors.New("watch canceled")
		}
		revs := make([]int64, len(resp.Events))
		for i, ev := range resp.Events {
			revs[i] = ev.Kv.ModRevision
		}
		return revs, nil
	}, nil
}
