package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
)

// AWS's published example of a signed streaming upload ("Signature
// Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks"): 66560 bytes of 'a' in a 64 KiB chunk, a 1 KiB chunk
// and the final empty chunk, with the documented signatures.
const (
	exampleSeed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	exampleChunk1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
	exampleChunk2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
	exampleFinal  = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	exampleDate   = "20130524T000000Z"
)

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func exampleBody(tamper func(chunk int, data []byte)) []byte {
	var b bytes.Buffer
	for i, c := range []struct {
		size int
		sig  string
	}{{65536, exampleChunk1}, {1024, exampleChunk2}, {0, exampleFinal}} {
		data := bytes.Repeat([]byte("a"), c.size)
		if tamper != nil {
			tamper(i, data)
		}
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", c.size, c.sig)
		b.Write(data)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func exampleRequest(t *testing.T, body []byte) *http.Request {
	t.Helper()
	sent := body
	body = exampleBody(nil)
	r, err := http.NewRequest(http.MethodPut, "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Date", exampleDate)
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAKID+"/20130524/us-east-1/s3/aws4_request,"+
		"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
		"Signature="+exampleSeed)
	r.Header.Set("X-Amz-Content-Sha256", StreamingSigned)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r = serverView(t, r, body)
	r.Body = io.NopCloser(bytes.NewReader(sent))
	return r
}

// readStream verifies r as the front door does and reads its whole body.
func readStream(t *testing.T, v *Verifier, r *http.Request) ([]byte, error) {
	t.Helper()
	_, _, sa, err := v.VerifyStreaming(r)
	if err != nil {
		t.Fatalf("VerifyStreaming: %v", err)
	}
	body, _, err := sa.Body(r, r.Body)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(body)
}

func TestChunkedAWSExample(t *testing.T) {
	v := newTestVerifier(exampleTime)
	body := exampleBody(nil)
	if len(body) != 66824 {
		t.Fatalf("example body is %d bytes, AWS says 66824", len(body))
	}
	r := exampleRequest(t, body)
	p, scope, sa, err := v.VerifyStreaming(r)
	if err != nil {
		t.Fatalf("VerifyStreaming: %v", err)
	}
	if p.AccessKeyID != testAKID || scope.Service != "s3" || sa.PayloadHash != StreamingSigned {
		t.Fatalf("principal %+v scope %+v payload %q", p, scope, sa.PayloadHash)
	}
	_, n, err := sa.Body(r, r.Body)
	if err != nil || n != 66560 {
		t.Fatalf("Body: %d %v", n, err)
	}
	for _, size := range []int{1, 7, 4096, 70000} { // any read size decodes the same
		r := exampleRequest(t, body)
		_, _, sa, _ := v.VerifyStreaming(r)
		dec, _, _ := sa.Body(r, r.Body)
		got, err := readAllBy(dec, size)
		if err != nil || !bytes.Equal(got, bytes.Repeat([]byte("a"), 66560)) {
			t.Fatalf("read by %d: %d bytes, %v", size, len(got), err)
		}
	}
}

func readAllBy(r io.Reader, size int) ([]byte, error) {
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestChunkedAWSExampleTampered(t *testing.T) {
	v := newTestVerifier(exampleTime)
	for name, tc := range map[string]struct {
		body func() []byte
		code string
	}{
		"data of chunk 1": {func() []byte {
			return exampleBody(func(i int, d []byte) {
				if i == 0 {
					d[100] = 'b'
				}
			})
		}, "SignatureDoesNotMatch"},
		"data of chunk 2": {func() []byte {
			return exampleBody(func(i int, d []byte) {
				if i == 1 {
					d[0] = 'b'
				}
			})
		}, "SignatureDoesNotMatch"},
		"final signature": {func() []byte {
			return bytes.Replace(exampleBody(nil), []byte(exampleFinal), []byte(strings.Repeat("0", 64)), 1)
		}, "SignatureDoesNotMatch"},
		"chunks swapped signatures": {func() []byte {
			b := bytes.Replace(exampleBody(nil), []byte(exampleChunk1), []byte("X"), 1)
			b = bytes.Replace(b, []byte(exampleChunk2), []byte(exampleChunk1), 1)
			return bytes.Replace(b, []byte("X"), []byte(exampleChunk2), 1)
		}, "SignatureDoesNotMatch"},
		"truncated": {func() []byte { b := exampleBody(nil); return b[:len(b)-90] }, "IncompleteBody"},
		"no final chunk": {func() []byte {
			b := exampleBody(nil)
			return b[:bytes.LastIndex(b, []byte("0;chunk-signature"))]
		}, "IncompleteBody"},
		"garbage after": {func() []byte { return append(exampleBody(nil), 'x') }, "IncompleteBody"},
		"unsigned chunk": {func() []byte {
			return bytes.Replace(exampleBody(nil), []byte(";chunk-signature="+exampleChunk2), nil, 1)
		}, "IncompleteBody"},
	} {
		t.Run(name, func(t *testing.T) {
			body := tc.body()
			r := exampleRequest(t, body)
			got, err := readStream(t, v, r)
			if err == nil {
				t.Fatalf("tampered body accepted (%d bytes)", len(got))
			}
			if code := streamErrCode(err); code != tc.code {
				t.Fatalf("error %v (code %s), want %s", err, code, tc.code)
			}
		})
	}
}

// streamErrCode is the S3 error code a stream failure maps to.
func streamErrCode(err error) string {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code(true)
	}
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "other: " + err.Error()
}

// TestTrailerSignatureVector checks the trailer signature against the
// vector of the AWS Common Runtime's chunk-signing tests (same key, date and
// chain as the example above; trailers first:1st, second:2nd, third:3rd).
func TestTrailerSignatureVector(t *testing.T) {
	sa := &StreamAuth{
		key:     deriveSigningKey(testSecret, "20130524", "us-east-1", "s3"),
		amzDate: exampleDate,
		scope:   "20130524/us-east-1/s3/aws4_request",
	}
	got := sa.trailerSignature(exampleFinal, []byte("first:1st\nsecond:2nd\nthird:3rd\n"))
	if want := "df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c"; hex.EncodeToString(got[:]) != want {
		t.Fatalf("trailer signature %x, want %s", got, want)
	}
	chunk := sha256.Sum256(bytes.Repeat([]byte("a"), 65536))
	if got := sa.chunkSignature(exampleSeed, chunk[:]); hex.EncodeToString(got[:]) != exampleChunk1 {
		t.Fatalf("chunk signature %x", got)
	}
}

func TestCRC64NVMECheckValue(t *testing.T) {
	if got := crc64.Checksum([]byte("123456789"), crc64NVMETable); got != 0xAE8B14860A799888 {
		t.Fatalf("CRC-64/NVME check value %#x", got)
	}
}

// chunkEncoder builds aws-chunked bodies the way clients do, signing chunks
// with its own HMAC code (independent of the verifier's).
type chunkEncoder struct {
	signed    bool
	key       []byte
	amzDate   string
	scope     string
	seed      string
	chunkSize int
	trailers  [][2]string // name, value
}

func (e chunkEncoder) hmacHex(msg string) string {
	m := hmac.New(sha256.New, e.key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func (e chunkEncoder) encode(data []byte) []byte {
	var b bytes.Buffer
	prev := e.seed
	writeChunk := func(chunk []byte) {
		fmt.Fprintf(&b, "%x", len(chunk))
		if e.signed {
			h := sha256.Sum256(chunk)
			prev = e.hmacHex("AWS4-HMAC-SHA256-PAYLOAD\n" + e.amzDate + "\n" + e.scope + "\n" + prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(h[:]))
			fmt.Fprintf(&b, ";chunk-signature=%s", prev)
		}
		b.WriteString("\r\n")
		if len(chunk) > 0 {
			b.Write(chunk)
			b.WriteString("\r\n")
		}
	}
	for off := 0; off < len(data); off += e.chunkSize {
		writeChunk(data[off:min(off+e.chunkSize, len(data))])
	}
	writeChunk(nil)
	if e.trailers == nil {
		b.WriteString("\r\n")
		return b.Bytes()
	}
	var canon strings.Builder
	for _, t := range e.trailers {
		fmt.Fprintf(&b, "%s:%s\r\n", t[0], t[1])
		canon.WriteString(t[0] + ":" + t[1] + "\n")
	}
	if e.signed {
		h := sha256.Sum256([]byte(canon.String()))
		sig := e.hmacHex("AWS4-HMAC-SHA256-TRAILER\n" + e.amzDate + "\n" + e.scope + "\n" + prev + "\n" + hex.EncodeToString(h[:]))
		fmt.Fprintf(&b, "x-amz-trailer-signature:%s\r\n", sig)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// checksumOf computes a flexible checksum with the standard library.
func checksumOf(t *testing.T, header string, data []byte) string {
	t.Helper()
	a := checksumByHeader(header)
	if a == nil {
		t.Fatalf("no algorithm %s", header)
	}
	h := a.new()
	h.Write(data)
	return b64(h.Sum(nil))
}

// streamingRequest signs a streaming upload of data with aws-sdk-go-v2's
// signer (seed signature) and encodes its body with enc.
func streamingRequest(t *testing.T, payload string, data []byte, enc chunkEncoder, extra map[string]string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, "http://"+testHost+"/bucket/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	for k, v := range extra {
		r.Header.Set(k, v)
	}
	signGo(t, r, nil, signOpts{service: "s3", payload: payload, s3: true, contentSHA: true})
	enc.seed = sigOf(r.Header.Get("Authorization"))
	enc.key = func() []byte { k := deriveSigningKey(testSecret, "20261121", "us-east-1", "s3"); return k[:] }()
	enc.amzDate = t0.Format(timeFormat)
	enc.scope = "20261121/us-east-1/s3/aws4_request"
	body := enc.encode(data)
	r = serverView(t, r, body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r
}

func sigOf(authz string) string {
	_, sig, _ := strings.Cut(authz, "Signature=")
	return sig
}

func TestChunkedVariants(t *testing.T) {
	v := newTestVerifier(t0)
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80000 bytes
	data[12345] = 'X'
	for _, alg := range []string{"x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1", "x-amz-checksum-sha256"} {
		for _, payload := range []string{StreamingSignedTrailer, StreamingUnsignedTrailer} {
			t.Run(payload+"/"+alg, func(t *testing.T) {
				enc := chunkEncoder{signed: payload == StreamingSignedTrailer, chunkSize: 8192, trailers: [][2]string{{alg, checksumOf(t, alg, data)}}}
				hdr := map[string]string{"X-Amz-Trailer": alg}
				got, err := readStream(t, v, streamingRequest(t, payload, data, enc, hdr))
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("%d bytes, %v", len(got), err)
				}
				// A wrong checksum is BadDigest.
				enc.trailers[0][1] = checksumOf(t, alg, data[1:])
				if _, err := readStream(t, v, streamingRequest(t, payload, data, enc, hdr)); streamErrCode(err) != "BadDigest" {
					t.Fatalf("wrong checksum: %v", err)
				}
				// A missing announced trailer is MalformedTrailerError.
				enc.trailers = [][2]string{{"x-amz-other", "1"}}
				if _, err := readStream(t, v, streamingRequest(t, payload, data, enc, hdr)); streamErrCode(err) != "MalformedTrailerError" {
					t.Fatalf("missing trailer: %v", err)
				}
			})
		}
	}
	t.Run("signed no trailer", func(t *testing.T) {
		enc := chunkEncoder{signed: true, chunkSize: 65536}
		got, err := readStream(t, v, streamingRequest(t, StreamingSigned, data, enc, nil))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes, %v", len(got), err)
		}
	})
	t.Run("signed trailer tampered", func(t *testing.T) {
		alg := "x-amz-checksum-crc32"
		enc := chunkEncoder{signed: true, chunkSize: 8192, trailers: [][2]string{{alg, checksumOf(t, alg, data)}}}
		r := streamingRequest(t, StreamingSignedTrailer, data, enc, map[string]string{"X-Amz-Trailer": alg})
		body, _ := io.ReadAll(r.Body)
		// Replace the checksum value (same length) without re-signing the trailer.
		i := bytes.Index(body, []byte(alg+":")) + len(alg) + 1
		body[i] ^= 1
		r.Body = io.NopCloser(bytes.NewReader(body))
		if _, err := readStream(t, v, r); streamErrCode(err) != "SignatureDoesNotMatch" {
			t.Fatalf("tampered trailer: %v", err)
		}
	})
	t.Run("decoded length lie", func(t *testing.T) {
		enc := chunkEncoder{signed: true, chunkSize: 65536}
		for _, n := range []int{10, len(data) + 1} {
			r := streamingRequest(t, StreamingSigned, data, enc, map[string]string{"X-Amz-Decoded-Content-Length": strconv.Itoa(n)})
			if _, err := readStream(t, v, r); streamErrCode(err) != "IncompleteBody" {
				t.Fatalf("decoded length %d for %d bytes: %v", n, len(data), err)
			}
		}
	})
	t.Run("unsigned payload aws-chunked", func(t *testing.T) {
		enc := chunkEncoder{chunkSize: 1000}
		got, err := readStream(t, v, streamingRequest(t, UnsignedPayload, data, enc, nil))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes, %v", len(got), err)
		}
	})
}

func TestStreamingHexPayload(t *testing.T) {
	v := newTestVerifier(t0)
	body := []byte("hello, streaming world")
	for _, tc := range []struct {
		name string
		sent []byte
		code string
	}{{"matching", body, ""}, {"different", []byte("hello, streaming World"), "XAmzContentSHA256Mismatch"}} {
		t.Run(tc.name, func(t *testing.T) {
			r := clientReq{method: "PUT", url: "http://" + testHost + "/b/k", body: body}.build(t)
			signGo(t, r, body, signOpts{service: "s3", s3: true, contentSHA: true})
			r = serverView(t, r, tc.sent)
			r.Body = io.NopCloser(bytes.NewReader(tc.sent))
			got, err := readStream(t, v, r)
			if tc.code == "" {
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("%q %v", got, err)
				}
				return
			}
			if streamErrCode(err) != tc.code {
				t.Fatalf("error %v, want %s", err, tc.code)
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Principal == nil || ae.Principal.AccessKeyID != testAKID {
				t.Fatalf("mismatch does not name the caller: %#v", err)
			}
		})
	}
	// The signature itself is checked before the body is read.
	r := clientReq{method: "PUT", url: "http://" + testHost + "/b/k", body: body}.build(t)
	signGo(t, r, body, signOpts{service: "s3", s3: true, contentSHA: true})
	r.Header.Set("X-Amz-Content-Sha256", hashHex([]byte("other")))
	if _, _, _, err := v.VerifyStreaming(serverView(t, r, body)); kindOf(err) != KindBadSignature {
		t.Fatalf("changed payload hash: %v", err)
	}
}

func TestVerifyChecksumHeader(t *testing.T) {
	data := []byte("checksummed body")
	for _, alg := range checksumAlgs {
		h := http.Header{}
		h.Set(alg.header, checksumOf(t, alg.header, data))
		r, err := VerifyChecksumHeader(h, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: %q %v", alg.name, got, err)
		}
		r, _ = VerifyChecksumHeader(h, strings.NewReader("checksummed bodY"))
		if _, err := io.ReadAll(r); streamErrCode(err) != "BadDigest" || !strings.Contains(err.Error(), "The "+alg.name+" you specified") {
			t.Fatalf("%s mismatch: %v", alg.name, err)
		}
		h.Set(alg.header, "not base64!")
		if _, err := VerifyChecksumHeader(h, bytes.NewReader(data)); streamErrCode(err) != "InvalidRequest" {
			t.Fatalf("%s invalid value: %v", alg.name, err)
		}
	}
	r, err := VerifyChecksumHeader(http.Header{}, strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*strings.Reader); !ok {
		t.Fatalf("no header: body wrapped as %T", r)
	}
}
