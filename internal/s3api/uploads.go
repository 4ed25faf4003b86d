package s3api

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// uploadStore keeps in-progress multipart uploads on disk, one directory per
// upload under dir:
//
//	<dir>/<upload id>/upload.json         what CreateMultipartUpload said
//	<dir>/<upload id>/part-00001.<md5>    a part (the md5 hex is its ETag)
//	<dir>/<upload id>/.part-*.tmp         a part being received
//
// Parts are fsync'd before UploadPart's event is recorded and renamed into
// place at Commit. Uploads are removed when completed or aborted; nothing
// expires abandoned ones (S3 needs a lifecycle rule for that too).
type uploadStore struct {
	dir string
	now func() time.Time
}

const uploadMetaName = "upload.json"

type uploadMeta struct {
	Bucket       string            `json:"bucket"`
	Key          string            `json:"key"`
	Owner        string            `json:"owner"` // account
	InitiatorARN string            `json:"initiatorArn"`
	ContentType  string            `json:"contentType,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Initiated    time.Time         `json:"initiated"`
}

type partInfo struct {
	Number   int
	ETag     string // quoted
	md5      []byte
	Size     int64
	Modified time.Time
	path     string
}

var errNoUpload = errors.New("no such upload")

// newUploadID returns a random upload id (48 hex digits).
func newUploadID() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func validUploadID(id string) bool {
	if len(id) != 48 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

func (u *uploadStore) path(id string) string { return filepath.Join(u.dir, id) }

// create writes an upload's metadata durably.
func (u *uploadStore) create(id string, m uploadMeta) error {
	if err := os.MkdirAll(u.path(id), 0o700); err != nil {
		return fmt.Errorf("create upload %s: %w", id, err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(u.path(id), uploadMetaName), data, 0o600); err != nil {
		return fmt.Errorf("create upload %s: %w", id, err)
	}
	return fsutil.SyncDir(u.dir)
}

// get reads an upload's metadata; errNoUpload if there is none.
func (u *uploadStore) get(id string) (uploadMeta, error) {
	var m uploadMeta
	if !validUploadID(id) {
		return m, errNoUpload
	}
	data, err := os.ReadFile(filepath.Join(u.path(id), uploadMetaName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, errNoUpload
	}
	if err != nil {
		return m, fmt.Errorf("read upload %s: %w", id, err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("read upload %s: %w", id, err)
	}
	return m, nil
}

// stagedPart is a part received and fsync'd but not yet in place.
type stagedPart struct {
	u    *uploadStore
	id   string
	n    int
	tmp  string
	info partInfo
}

// stagePart receives part n of upload id into a temp file. wantMD5, if set,
// must be the body's MD5 (Content-MD5).
func (u *uploadStore) stagePart(id string, n int, body io.Reader, size int64, wantMD5 []byte) (*stagedPart, error) {
	f, err := os.CreateTemp(u.path(id), ".part-*.tmp")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNoUpload
		}
		return nil, fmt.Errorf("stage part %d of %s: %w", n, id, err)
	}
	h := md5.New()
	written, err := io.Copy(io.MultiWriter(f, h), body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && size >= 0 && written != size {
		err = fmt.Errorf("part is %d bytes, %d were announced: %w", written, size, io.ErrUnexpectedEOF)
	}
	sum := h.Sum(nil)
	if err == nil && wantMD5 != nil && hex.EncodeToString(sum) != hex.EncodeToString(wantMD5) {
		err = errBadDigest()
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("stage part %d of %s: %w", n, id, err)
	}
	return &stagedPart{u: u, id: id, n: n, tmp: f.Name(), info: partInfo{
		Number: n, ETag: `"` + hex.EncodeToString(sum) + `"`, md5: sum, Size: written, Modified: u.now().UTC(),
	}}, nil
}

func partName(n int, md5hex string) string { return fmt.Sprintf("part-%05d.%s", n, md5hex) }

// name is the part's file name once in place.
func (p *stagedPart) name() string { return partName(p.n, hex.EncodeToString(p.info.md5)) }

// commit puts the part in place, replacing any earlier upload of the same number.
func (p *stagedPart) commit() error {
	dir := p.u.path(p.id)
	final := p.name()
	if err := os.Rename(p.tmp, filepath.Join(dir, final)); err != nil {
		return fmt.Errorf("commit part %d of %s: %w", p.n, p.id, err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("part-%05d.*", p.n)))
	for _, o := range old {
		if filepath.Base(o) != final {
			os.Remove(o)
		}
	}
	return fsutil.SyncDir(dir)
}

func (p *stagedPart) abort() { os.Remove(p.tmp) }

// parts lists an upload's parts in part-number order.
func (u *uploadStore) parts(id string) ([]partInfo, error) {
	ents, err := os.ReadDir(u.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoUpload
	}
	if err != nil {
		return nil, fmt.Errorf("list parts of %s: %w", id, err)
	}
	byNum := map[int]partInfo{}
	for _, e := range ents {
		num, sumHex, ok := strings.Cut(strings.TrimPrefix(e.Name(), "part-"), ".")
		n, err := strconv.Atoi(num)
		sum, herr := hex.DecodeString(sumHex)
		if !strings.HasPrefix(e.Name(), "part-") || !ok || err != nil || herr != nil || len(sum) != md5.Size {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		p := partInfo{Number: n, ETag: `"` + sumHex + `"`, md5: sum, Size: fi.Size(), Modified: fi.ModTime().UTC(), path: filepath.Join(u.path(id), e.Name())}
		if prev, dup := byNum[n]; !dup || p.Modified.After(prev.Modified) { // a crash between rename and cleanup
			byNum[n] = p
		}
	}
	out := make([]partInfo, 0, len(byNum))
	for _, p := range byNum {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// remove deletes an upload and its parts: its metadata first (durably),
// so that the upload is gone at once even if a crash interrupts the rest
// (a directory without upload.json is no upload).
func (u *uploadStore) remove(id string) error {
	if !validUploadID(id) {
		return errNoUpload
	}
	err := os.Remove(filepath.Join(u.path(id), uploadMetaName))
	if err == nil {
		err = fsutil.SyncDir(u.path(id))
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove upload %s: %w", id, err)
	}
	return os.RemoveAll(u.path(id))
}

// removeBucket deletes the uploads into a deleted bucket (best effort).
func (u *uploadStore) removeBucket(b string, logger *slog.Logger) {
	ents, err := os.ReadDir(u.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if m, err := u.get(e.Name()); err == nil && m.Bucket == b {
			if err := u.remove(e.Name()); err != nil {
				logger.Warn("could not remove a multipart upload of a deleted bucket", "bucket", b, "upload", e.Name(), "err", err)
			}
		}
	}
}
