package validate

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// memStore is an in-memory bucket.Store for tests.
type memStore struct {
	mu       sync.RWMutex
	buckets  map[string]map[string]memObject
	sorted   map[string][]string // sorted keys per bucket, nil when stale
	pageSize int                 // max keys per List page (0: MaxKeys or 1000)
	gets     atomic.Int64
	lists    atomic.Int64
	// getDelay simulates a remote store's latency.
	getDelay time.Duration
}

type memObject struct {
	body []byte
	info bucket.ObjectInfo
}

func newMemStore() *memStore {
	return &memStore{buckets: map[string]map[string]memObject{}, sorted: map[string][]string{}}
}

func (m *memStore) CreateBucket(_ context.Context, name string, _ bucket.CreateOptions) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.buckets[name]; ok {
		return bucket.ErrBucketAlreadyOwned
	}
	m.buckets[name] = map[string]memObject{}
	return nil
}

func (m *memStore) HeadBucket(_ context.Context, name string) (bucket.BucketInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, ok := m.buckets[name]; !ok {
		return bucket.BucketInfo{}, bucket.ErrNoSuchBucket
	}
	return bucket.BucketInfo{Name: name}, nil
}

func (m *memStore) ListBuckets(context.Context) ([]bucket.BucketInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []bucket.BucketInfo
	for _, n := range slices.Sorted(maps.Keys(m.buckets)) {
		out = append(out, bucket.BucketInfo{Name: n})
	}
	return out, nil
}

func (m *memStore) DeleteBucket(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.buckets, name)
	return nil
}

func (m *memStore) Put(_ context.Context, b, key string, body io.Reader, opts bucket.PutOptions) (bucket.ObjectInfo, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return bucket.ObjectInfo{}, err
	}
	sum := md5.Sum(data)
	info := bucket.ObjectInfo{Key: key, Size: int64(len(data)), ETag: `"` + hex.EncodeToString(sum[:]) + `"`,
		LastModified: time.Now(), ContentType: opts.ContentType, Metadata: maps.Clone(opts.Metadata)}
	m.mu.Lock()
	defer m.mu.Unlock()
	objs, ok := m.buckets[b]
	if !ok {
		return bucket.ObjectInfo{}, bucket.ErrNoSuchBucket
	}
	if _, exists := objs[key]; !exists {
		m.sorted[b] = nil
	}
	objs[key] = memObject{body: data, info: info}
	return info, nil
}

func (m *memStore) object(b, key string) (memObject, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	objs, ok := m.buckets[b]
	if !ok {
		return memObject{}, fmt.Errorf("get %s: %w", b, bucket.ErrNoSuchBucket)
	}
	o, ok := objs[key]
	if !ok {
		return memObject{}, fmt.Errorf("get %s/%s: %w", b, key, bucket.ErrNoSuchKey)
	}
	return o, nil
}

func (m *memStore) Get(ctx context.Context, b, key string, rng *bucket.Range) (io.ReadCloser, bucket.ObjectInfo, error) {
	m.gets.Add(1)
	if m.getDelay > 0 {
		select {
		case <-time.After(m.getDelay):
		case <-ctx.Done():
			return nil, bucket.ObjectInfo{}, ctx.Err()
		}
	}
	o, err := m.object(b, key)
	if err != nil {
		return nil, bucket.ObjectInfo{}, err
	}
	info := o.info
	info.Metadata = maps.Clone(info.Metadata)
	return io.NopCloser(bytes.NewReader(o.body)), info, nil
}

func (m *memStore) Head(_ context.Context, b, key string) (bucket.ObjectInfo, error) {
	o, err := m.object(b, key)
	return o.info, err
}

func (m *memStore) Delete(_ context.Context, b, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if objs, ok := m.buckets[b]; ok {
		if _, exists := objs[key]; exists {
			delete(objs, key)
			m.sorted[b] = nil
		}
	}
	return nil
}

func (m *memStore) List(_ context.Context, b string, o bucket.ListOptions) (bucket.ListResult, error) {
	m.lists.Add(1)
	m.mu.Lock()
	objs, ok := m.buckets[b]
	if !ok {
		m.mu.Unlock()
		return bucket.ListResult{}, fmt.Errorf("list %s: %w", b, bucket.ErrNoSuchBucket)
	}
	keys := m.sorted[b]
	if keys == nil {
		keys = slices.Sorted(maps.Keys(objs))
		m.sorted[b] = keys
	}
	m.mu.Unlock()
	limit := o.MaxKeys
	if limit <= 0 {
		limit = 1000
	}
	if m.pageSize > 0 && m.pageSize < limit {
		limit = m.pageSize
	}
	var res bucket.ListResult
	i, _ := slices.BinarySearch(keys, o.Prefix)
	lastPrefix := ""
	for ; i < len(keys); i++ {
		k := keys[i]
		if !strings.HasPrefix(k, o.Prefix) {
			break
		}
		if k <= o.After {
			continue
		}
		if o.Delimiter != "" {
			if j := strings.Index(k[len(o.Prefix):], o.Delimiter); j >= 0 {
				p := k[:len(o.Prefix)+j+len(o.Delimiter)]
				if p == lastPrefix || p <= o.After {
					continue
				}
				if len(res.Objects)+len(res.CommonPrefixes) == limit {
					res.Truncated = true
					break
				}
				lastPrefix = p
				res.CommonPrefixes = append(res.CommonPrefixes, p)
				res.NextAfter = p
				continue
			}
		}
		if len(res.Objects)+len(res.CommonPrefixes) == limit {
			res.Truncated = true
			break
		}
		m.mu.RLock()
		info := objs[k].info
		m.mu.RUnlock()
		info.Metadata = nil
		res.Objects = append(res.Objects, info)
		res.NextAfter = k
	}
	return res, nil
}

var _ bucket.Store = (*memStore)(nil)

// setModified sets an object's LastModified.
func (m *memStore) setModified(b, key string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.buckets[b][key]
	o.info.LastModified = t
	m.buckets[b][key] = o
}
