package s3api

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// plainHTTP sends requests for https:// URLs over plain HTTP, so the SDK
// (which uses aws-chunked trailing checksums only for HTTPS endpoints)
// streams its uploads to a plain-HTTP test server. tamper, if set, may
// change a request body on the way.
type plainHTTP struct {
	tamper func(body []byte)
}

func (p plainHTTP) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme = "http"
	if p.tamper != nil && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		p.tamper(b)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestSDKTrailingChecksums: aws-sdk-go-v2 uploads with
// STREAMING-UNSIGNED-PAYLOAD-TRAILER (aws-chunked, a checksum trailer) for
// every checksum algorithm, over a real TLS server and over plain HTTP.
func TestSDKTrailingChecksums(t *testing.T) {
	data := bytes.Repeat([]byte("chunked upload data "), 10000) // 200 kB: several chunks
	for _, mode := range []string{"tls", "plain"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, envOptions{tls: mode == "tls", minPart: 1})
			c := e.client(akid1, secret1)
			if mode == "plain" {
				c = e.client(akid1, secret1, func(o *s3.Options) {
					o.BaseEndpoint = aws.String(strings.Replace(e.srv.URL, "http://", "https://", 1))
					o.HTTPClient = &http.Client{Transport: plainHTTP{}}
				})
			}
			mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("chunky")}))
			for _, alg := range []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
				key := "obj-" + string(alg)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("chunky"), Key: aws.String(key), Body: bytes.NewReader(data), ChecksumAlgorithm: alg}); err != nil {
					t.Fatalf("PutObject %s: %v", alg, err)
				}
				req := e.lastRequest()
				if req.Header.Get("X-Amz-Content-Sha256") != "STREAMING-UNSIGNED-PAYLOAD-TRAILER" || req.Header.Get("Content-Encoding") != "aws-chunked" {
					t.Fatalf("%s: the SDK did not stream: %v", alg, req.Header)
				}
				if got, _ := mustGet(t, c, "chunky", key); !bytes.Equal(got, data) {
					t.Fatalf("%s: stored %d bytes", alg, len(got))
				}
			}
			// Multipart parts stream the same way.
			up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("chunky"), Key: aws.String("mp")})
			if err != nil {
				t.Fatal(err)
			}
			part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("chunky"), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(data)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("chunky"), Key: aws.String("mp"), UploadId: up.UploadId,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}); err != nil {
				t.Fatal(err)
			}
			if got, _ := mustGet(t, c, "chunky", "mp"); !bytes.Equal(got, data) {
				t.Fatalf("multipart object: %d bytes", len(got))
			}
		})
	}
}

// TestSDKTamperedTrailer: a body changed in flight fails its checksum
// trailer, and nothing is written.
func TestSDKTamperedTrailer(t *testing.T) {
	e := newEnv(t, envOptions{})
	mustOK(t)(e.client(akid1, secret1).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("chunky")}))
	c := e.client(akid1, secret1, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(strings.Replace(e.srv.URL, "http://", "https://", 1))
		o.HTTPClient = &http.Client{Transport: plainHTTP{tamper: func(b []byte) {
			if i := bytes.Index(b, []byte("payload")); i >= 0 {
				b[i] = 'P'
			}
		}}}
	})
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("chunky"), Key: aws.String("k"), Body: strings.NewReader("some payload to check")})
	if apiCode(err) != "BadDigest" {
		t.Fatalf("tampered body: %v", err)
	}
	if r := e.events.last(t); r.EventName != "PutObject" || r.ErrorCode != "BadDigest" {
		t.Fatalf("recorded %+v", r)
	}
	if _, err := e.client(akid1, secret1).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("chunky"), Key: aws.String("k")}); apiCode(err) != "NotFound" {
		t.Fatalf("tampered object was written: %v", err)
	}
}

// signedChunks encodes data as a signed aws-chunked body (with a signed
// CRC32 trailer when trailer), chained from seed: the client side of
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], which aws-sdk-go-v2 does not
// implement. Each chunk's signature is computed here with crypto/hmac.
func signedChunks(data []byte, chunkSize int, seed, amzDate string, trailer bool) []byte {
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	key := []byte("AWS4" + secret1)
	for _, part := range []string{amzDate[:8], "us-east-1", "s3", "aws4_request"} {
		key = mac(key, part)
	}
	scope := amzDate[:8] + "/us-east-1/s3/aws4_request"
	empty := sha256.Sum256(nil)
	var b bytes.Buffer
	prev := seed
	for off := 0; ; off += chunkSize {
		chunk := data[min(off, len(data)):min(off+chunkSize, len(data))]
		h := sha256.Sum256(chunk)
		prev = hex.EncodeToString(mac(key, "AWS4-HMAC-SHA256-PAYLOAD\n"+amzDate+"\n"+scope+"\n"+prev+"\n"+hex.EncodeToString(empty[:])+"\n"+hex.EncodeToString(h[:])))
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", len(chunk), prev)
		if len(chunk) == 0 {
			break
		}
		b.Write(chunk)
		b.WriteString("\r\n")
	}
	if !trailer {
		b.WriteString("\r\n")
		return b.Bytes()
	}
	sum := crc32.ChecksumIEEE(data)
	line := "x-amz-checksum-crc32:" + base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	th := sha256.Sum256([]byte(line + "\n"))
	sig := hex.EncodeToString(mac(key, "AWS4-HMAC-SHA256-TRAILER\n"+amzDate+"\n"+scope+"\n"+prev+"\n"+hex.EncodeToString(th[:])))
	fmt.Fprintf(&b, "%s\r\nx-amz-trailer-signature:%s\r\n\r\n", line, sig)
	return b.Bytes()
}

// signedStreamingPut is a PutObject with a signed aws-chunked body, the
// request's (seed) signature made by aws-sdk-go-v2's signer.
func signedStreamingPut(t *testing.T, url string, data []byte, trailer bool, tamper func([]byte)) *http.Request {
	t.Helper()
	payload := "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	req, _ := http.NewRequest(http.MethodPut, url, nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	if trailer {
		payload += "-TRAILER"
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	}
	now := time.Now().UTC()
	req.Header.Set("X-Amz-Content-Sha256", payload)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: akid1, SecretAccessKey: secret1}, req, payload, "s3", "us-east-1", now,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	_, seed, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	body := signedChunks(data, 8192, seed, now.Format("20060102T150405Z"), trailer)
	if tamper != nil {
		tamper(body)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return req
}

// TestSignedChunkedUpload: STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER) over
// plain HTTP; a tampered chunk is refused and nothing is written.
func TestSignedChunkedUpload(t *testing.T) {
	for _, st := range stores {
		for _, trailer := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/trailer=%v", st.name, trailer), func(t *testing.T) {
				e := newEnv(t, envOptions{storeMaker: st.mk})
				c := e.client(akid1, secret1)
				mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("signed")}))
				data := bytes.Repeat([]byte("0123456789"), 3000) // 30 kB: four chunks
				resp, err := http.DefaultClient.Do(signedStreamingPut(t, e.srv.URL+"/signed/good", data, trailer, nil))
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("signed streaming put: %d %s", resp.StatusCode, msg)
				}
				if got, _ := mustGet(t, c, "signed", "good"); !bytes.Equal(got, data) {
					t.Fatalf("stored %d bytes", len(got))
				}
				// One byte of the third chunk changed: the chunk's signature fails.
				tamper := func(b []byte) { b[len(b)/2] ^= 1 }
				resp, err = http.DefaultClient.Do(signedStreamingPut(t, e.srv.URL+"/signed/bad", data, trailer, tamper))
				if err != nil {
					t.Fatal(err)
				}
				msg, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 403 || !bytes.Contains(msg, []byte("<Code>SignatureDoesNotMatch</Code>")) {
					t.Fatalf("tampered chunk: %d %s", resp.StatusCode, msg)
				}
				if r := e.events.last(t); r.EventName != "PutObject" || r.ErrorCode != "SignatureDoesNotMatch" || r.EventCategory != "Data" {
					t.Fatalf("recorded %+v", r)
				}
				if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("signed"), Key: aws.String("bad")}); apiCode(err) != "NotFound" {
					t.Fatalf("object of a tampered upload: %v", err)
				}
			})
		}
	}
}

// TestHexPayloadMismatch: a body that is not the one whose hash was signed
// is refused with XAmzContentSHA256Mismatch and not written.
func TestHexPayloadMismatch(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.client(akid1, secret1)
	mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hashed")}))
	req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/hashed/k", nil)
	signReq(t, req, []byte("the signed body"), "")
	req.Body = io.NopCloser(strings.NewReader("the other body!"))
	req.ContentLength = 15
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !bytes.Contains(msg, []byte("XAmzContentSHA256Mismatch")) {
		t.Fatalf("mismatched body: %d %s", resp.StatusCode, msg)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("hashed"), Key: aws.String("k")}); apiCode(err) != "NotFound" {
		t.Fatalf("object of a mismatched body: %v", err)
	}
}

// TestVirtualHostStyle: bucket.localhost:PORT and bucket.s3.localhost:PORT.
func TestVirtualHostStyle(t *testing.T) {
	for _, endpoint := range []string{"localhost", "s3.localhost"} {
		t.Run(endpoint, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			addr := strings.TrimPrefix(e.srv.URL, "http://")
			_, port, _ := strings.Cut(addr, ":")
			c := e.client(akid1, secret1, func(o *s3.Options) {
				o.BaseEndpoint = aws.String("http://" + endpoint + ":" + port)
				o.UsePathStyle = false
				o.HTTPClient = dialAlways(addr)
			})
			mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost-bucket")}))
			if h := e.lastRequest().Host; h != "vhost-bucket."+endpoint+":"+port {
				t.Fatalf("the SDK did not use virtual-host style: Host %q", h)
			}
			mustOK(t)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("dir/key"), Body: strings.NewReader("vh")}))
			if r := e.events.last(t); r.RequestParameters["bucketName"] != "vhost-bucket" || r.RequestParameters["key"] != "dir/key" || r.RequestParameters["Host"] != "vhost-bucket."+endpoint+":"+port {
				t.Fatalf("recorded %v", r.RequestParameters)
			}
			if got, _ := mustGet(t, c, "vhost-bucket", "dir/key"); string(got) != "vh" {
				t.Fatalf("got %q", got)
			}
			l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost-bucket")})
			if err != nil || len(l.Contents) != 1 || *l.Contents[0].Key != "dir/key" {
				t.Fatalf("list: %+v %v", l, err)
			}
			// The same object path-style.
			if got, _ := mustGet(t, e.client(akid1, secret1), "vhost-bucket", "dir/key"); string(got) != "vh" {
				t.Fatalf("path-style got %q", got)
			}
			lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
			if err != nil || len(lb.Buckets) != 1 {
				t.Fatalf("ListBuckets on %s: %+v %v", endpoint, lb, err)
			}
		})
	}
}
