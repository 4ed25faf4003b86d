package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestS3CLI drives the embedded S3 API with both aws CLIs: aws s3 mb, cp up
// and down (a small file and a 20 MiB one, which goes multipart), ls,
// sync both ways, rm --recursive, rb, and aws s3api head-object,
// get-object --range and list-objects (v1, paged by marker). Bucket-level
// calls reach the event history; object-level calls are data events and do
// not.
func TestS3CLI(t *testing.T) {
	for _, cli := range awsCLIs(t) {
		t.Run(cli.name, func(t *testing.T) {
			s := startServer(t)
			run := func(args ...string) string { return cli.mustRun(s, testKey, testSecret, args...) }
			dir := t.TempDir()
			bucket := "e2e-s3-" + cli.name
			small := filepath.Join(dir, "small.txt")
			writeFile(t, small, "hello from the aws cli\n")
			big := filepath.Join(dir, "big.bin")
			bigData := make([]byte, 20<<20)
			rand.Read(bigData)
			if err := os.WriteFile(big, bigData, 0o644); err != nil {
				t.Fatal(err)
			}

			if out := run("s3", "mb", "s3://"+bucket); !strings.Contains(out, "make_bucket: "+bucket) {
				t.Fatalf("mb: %q", out)
			}
			if out := run("s3", "ls"); !strings.Contains(out, bucket) {
				t.Fatalf("ls: %q", out)
			}
			run("s3", "cp", small, "s3://"+bucket+"/small.txt")
			run("s3", "cp", big, "s3://"+bucket+"/big/big.bin")
			if out := run("s3", "ls", "s3://"+bucket+"/"); !strings.Contains(out, "PRE big/") || !strings.Contains(out, "small.txt") {
				t.Fatalf("ls bucket: %q", out)
			}
			if out := run("s3", "ls", "--recursive", "s3://"+bucket); !strings.Contains(out, "20971520 big/big.bin") || !strings.Contains(out, "23 small.txt") {
				t.Fatalf("ls --recursive: %q", out)
			}
			down := filepath.Join(dir, "down.bin")
			run("s3", "cp", "s3://"+bucket+"/big/big.bin", down)
			if got, err := os.ReadFile(down); err != nil || !bytes.Equal(got, bigData) {
				t.Fatalf("20 MiB round trip: %d bytes, %v", len(got), err)
			}
			run("s3", "cp", "s3://"+bucket+"/small.txt", filepath.Join(dir, "small.down"))
			if got, _ := os.ReadFile(filepath.Join(dir, "small.down")); string(got) != "hello from the aws cli\n" {
				t.Fatalf("small round trip: %q", got)
			}

			head := decodeCLI[struct {
				ContentLength int64
				ETag          string
			}](t, run("s3api", "head-object", "--bucket", bucket, "--key", "big/big.bin"))
			if head.ContentLength != 20<<20 || !strings.HasSuffix(head.ETag, `-3"`) {
				t.Fatalf("head-object of the multipart upload: %+v", head)
			}
			rangeOut := filepath.Join(dir, "range.out")
			got := decodeCLI[struct {
				ContentRange  string
				ContentLength int64
			}](t, run("s3api", "get-object", "--bucket", bucket, "--key", "small.txt", "--range", "bytes=6-9", rangeOut))
			if b, _ := os.ReadFile(rangeOut); string(b) != "from" || got.ContentRange != "bytes 6-9/23" || got.ContentLength != 4 {
				t.Fatalf("get-object --range: %q %+v", b, got)
			}

			// Sync up, sync again (nothing to do), sync down.
			src := filepath.Join(dir, "tree")
			for _, f := range []string{"a.txt", "sub/b.txt", "sub/deeper/c with space.txt", "sub/d+plus.txt"} {
				p := filepath.Join(src, f)
				os.MkdirAll(filepath.Dir(p), 0o755)
				writeFile(t, p, "content of "+f)
			}
			if out := run("s3", "sync", src, "s3://"+bucket+"/synced/"); strings.Count(out, "upload:") != 4 {
				t.Fatalf("sync up: %q", out)
			}
			if out := run("s3", "sync", src, "s3://"+bucket+"/synced/"); strings.Contains(out, "upload:") {
				t.Fatalf("second sync up uploaded again: %q", out)
			}
			back := filepath.Join(dir, "back")
			if out := run("s3", "sync", "s3://"+bucket+"/synced/", back); strings.Count(out, "download:") != 4 {
				t.Fatalf("sync down: %q", out)
			}
			for _, f := range []string{"a.txt", "sub/b.txt", "sub/deeper/c with space.txt", "sub/d+plus.txt"} {
				if b, err := os.ReadFile(filepath.Join(back, f)); err != nil || string(b) != "content of "+f {
					t.Fatalf("synced %s: %q %v", f, b, err)
				}
			}

			// list-objects (v1), paged by marker.
			type v1page struct {
				Contents []struct{ Key string }
			}
			all := decodeCLI[v1page](t, run("s3api", "list-objects", "--bucket", bucket, "--page-size", "2"))
			var keys []string
			for _, c := range all.Contents {
				keys = append(keys, c.Key)
			}
			want := []string{"big/big.bin", "small.txt", "synced/a.txt", "synced/sub/b.txt", "synced/sub/d+plus.txt", "synced/sub/deeper/c with space.txt"}
			if !slices.Equal(keys, want) {
				t.Fatalf("list-objects walk: %q", keys)
			}
			after := decodeCLI[v1page](t, run("s3api", "list-objects", "--bucket", bucket, "--marker", "synced/sub/b.txt"))
			if len(after.Contents) != 2 || after.Contents[0].Key != "synced/sub/d+plus.txt" {
				t.Fatalf("list-objects --marker: %+v", after)
			}

			if out := run("s3", "rm", "--recursive", "s3://"+bucket+"/synced/"); strings.Count(out, "delete:") != 4 {
				t.Fatalf("rm --recursive: %q", out)
			}
			if out := run("s3", "ls", "--recursive", "s3://"+bucket); strings.Contains(out, "synced/") {
				t.Fatalf("after rm: %q", out)
			}
			if _, errOut, code := cli.run(s, testKey, testSecret, "s3", "rb", "s3://"+bucket); code == 0 || !strings.Contains(errOut, "BucketNotEmpty") {
				t.Fatalf("rb of a full bucket: exit %d %q", code, errOut)
			}
			run("s3", "rm", "--recursive", "s3://"+bucket)
			if out := run("s3", "rb", "s3://"+bucket); !strings.Contains(out, "remove_bucket: "+bucket) {
				t.Fatalf("rb: %q", out)
			}
			if _, errOut, code := cli.run(s, testKey, testSecret, "s3", "ls", "s3://"+bucket); code == 0 || !strings.Contains(errOut, "NoSuchBucket") {
				t.Fatalf("ls of a removed bucket: exit %d %q", code, errOut)
			}

			// Event history holds the bucket-level (management) calls only.
			hist := decodeCLI[cliLookup](t, run("cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventSource,AttributeValue=s3.amazonaws.com"))
			names := map[string]int{}
			for _, e := range hist.Events {
				names[e.EventName]++
				if e.EventName == "CreateBucket" && !strings.Contains(e.CloudTrailEvent, `"bucketName":"`+bucket+`"`) {
					t.Errorf("CreateBucket record: %s", e.CloudTrailEvent)
				}
			}
			if names["CreateBucket"] != 1 || names["DeleteBucket"] != 2 || names["ListBuckets"] < 1 {
				t.Errorf("s3 management events: %v", names)
			}
			for _, data := range []string{"PutObject", "GetObject", "HeadObject", "ListObjects", "DeleteObject", "DeleteObjects", "UploadPart", "CompleteMultipartUpload"} {
				if names[data] != 0 {
					t.Errorf("data event %s in the event history", data)
				}
			}
		})
	}
}

// TestS3Boto3 runs a boto3 scenario against the embedded S3 API.
func TestS3Boto3(t *testing.T) {
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	s := startServer(t)
	script := filepath.Join(t.TempDir(), "s3.py")
	writeFile(t, script, boto3S3Script)
	out := runPython(t, s, script)
	if !strings.Contains(out, "boto3 s3 scenario passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Log(strings.TrimSpace(out))
}

const boto3S3Script = `
import hashlib, io, os, socket, urllib.parse
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

s3 = boto3.client("s3")
s3.create_bucket(Bucket="boto-bucket")
assert any(b["Name"] == "boto-bucket" for b in s3.list_buckets()["Buckets"])

s3.put_object(Bucket="boto-bucket", Key="dir/one.txt", Body=b"one", ContentType="text/plain", Metadata={"k": "v"})
got = s3.get_object(Bucket="boto-bucket", Key="dir/one.txt")
assert got["Body"].read() == b"one" and got["ContentType"] == "text/plain" and got["Metadata"] == {"k": "v"}, got
assert s3.get_object(Bucket="boto-bucket", Key="dir/one.txt", Range="bytes=1-")["Body"].read() == b"ne"

# A 12 MiB file through the transfer manager: multipart up, ranged parts down.
data = os.urandom(12 << 20)
cfg = TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
s3.upload_fileobj(io.BytesIO(data), "boto-bucket", "big.bin", Config=cfg)
head = s3.head_object(Bucket="boto-bucket", Key="big.bin")
assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"'), head
buf = io.BytesIO()
s3.download_fileobj("boto-bucket", "big.bin", buf, Config=cfg)
assert hashlib.sha256(buf.getvalue()).digest() == hashlib.sha256(data).digest()

s3.copy_object(Bucket="boto-bucket", Key="copy.txt", CopySource={"Bucket": "boto-bucket", "Key": "dir/one.txt"})
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="boto-bucket", PaginationConfig={"PageSize": 1}):
    keys += [o["Key"] for o in page.get("Contents", [])]
assert keys == ["big.bin", "copy.txt", "dir/one.txt"], keys
v1 = [o["Key"] for p in s3.get_paginator("list_objects").paginate(Bucket="boto-bucket", PaginationConfig={"PageSize": 2}) for o in p.get("Contents", [])]
assert v1 == keys, v1

# Virtual-host addressing, when this host resolves <bucket>.localhost.
port = urllib.parse.urlparse(os.environ["AWS_ENDPOINT_URL"]).port
try:
    socket.getaddrinfo("boto-bucket.localhost", port)
    vh = boto3.client("s3", endpoint_url="http://localhost:%d" % port, config=Config(s3={"addressing_style": "virtual"}))
    assert vh.get_object(Bucket="boto-bucket", Key="copy.txt")["Body"].read() == b"one"
    print("virtual-host style checked")
except socket.gaierror:
    print("virtual-host style skipped: boto-bucket.localhost does not resolve here")

try:
    s3.get_object(Bucket="boto-bucket", Key="missing")
    raise AssertionError("missing key read")
except s3.exceptions.NoSuchKey:
    pass
try:
    s3.delete_bucket(Bucket="boto-bucket")
    raise AssertionError("full bucket deleted")
except s3.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "BucketNotEmpty", e.response

out = s3.delete_objects(Bucket="boto-bucket", Delete={"Objects": [{"Key": k} for k in keys]})
assert len(out["Deleted"]) == 3, out
s3.delete_bucket(Bucket="boto-bucket")
assert not any(b["Name"] == "boto-bucket" for b in s3.list_buckets()["Buckets"])
print("boto3 s3 scenario passed")
`
