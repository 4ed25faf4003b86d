package auth

import (
	"bytes"
	"hash/crc32"
	"io"
	"testing"
)

// fuzzDecoder builds the decoder a fuzz mode exercises:
// 0 signed chunks (the AWS example's key and seed), 1 unsigned chunks with a
// CRC32 trailer, 2 signed chunks with a signed CRC32 trailer.
func fuzzDecoder(body []byte, mode uint8, declared int64) io.Reader {
	sa := &StreamAuth{
		key:     deriveSigningKey(testSecret, "20130524", "us-east-1", "s3"),
		seed:    exampleSeed,
		amzDate: exampleDate,
		scope:   "20130524/us-east-1/s3/aws4_request",
	}
	p := testPrincipal
	opts := chunkOptions{declared: declared, auth: sa, principal: &p}
	switch mode % 3 {
	case 0:
		opts.signed = true
	case 1:
		opts.trailer, opts.checksum = true, checksumByHeader("x-amz-checksum-crc32")
	case 2:
		opts.signed, opts.trailer, opts.checksum = true, true, checksumByHeader("x-amz-checksum-crc32")
	}
	return newChunkReader(bytes.NewReader(body), opts)
}

// decodeBy reads r to the end in reads of size bytes, checking the io.Reader
// contract and that errors are sticky.
func decodeBy(t *testing.T, r io.Reader, size int) ([]byte, error) {
	var out []byte
	buf := make([]byte, size)
	for i := 0; ; i++ {
		n, err := r.Read(buf)
		if n < 0 || n > len(buf) {
			t.Fatalf("Read returned %d for a %d-byte buffer", n, len(buf))
		}
		out = append(out, buf[:n]...)
		if err != nil {
			if n2, err2 := r.Read(buf); n2 != 0 || err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("error not sticky: %v then %d, %v", err, n2, err2)
			}
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		if n == 0 && i > 1<<20 {
			t.Fatal("no progress")
		}
	}
}

// fuzzPayloads are the payloads of the signed seeds: the only bodies a
// signed decoder may accept, since no other body carries valid signatures
// for the fuzz key and seed.
var fuzzPayloads = [][]byte{[]byte("hello world, signed chunks"), nil, []byte("x")}

// signedSeed encodes payload with signed chunks (and a signed CRC32 trailer
// when trailer) under the fuzz key and seed.
func signedSeed(payload []byte, chunkSize int, trailer bool) []byte {
	k := deriveSigningKey(testSecret, "20130524", "us-east-1", "s3")
	enc := chunkEncoder{signed: true, key: k[:], amzDate: exampleDate, scope: "20130524/us-east-1/s3/aws4_request", seed: exampleSeed, chunkSize: chunkSize}
	if trailer {
		h := crc32.NewIEEE()
		h.Write(payload)
		enc.trailers = [][2]string{{"x-amz-checksum-crc32", b64(h.Sum(nil))}}
	}
	return enc.encode(payload)
}

func FuzzChunkReader(f *testing.F) {
	hello := []byte("hello world, chunked")
	h := crc32.NewIEEE()
	h.Write(hello)
	unsigned := chunkEncoder{chunkSize: 5, trailers: [][2]string{{"x-amz-checksum-crc32", b64(h.Sum(nil))}}}
	for i, p := range fuzzPayloads {
		f.Add(signedSeed(p, 4+i, false), uint8(0), int64(len(p)), uint16(3))
		f.Add(signedSeed(p, 7, true), uint8(2), int64(-1), uint16(100))
	}
	f.Add(unsigned.encode(hello), uint8(1), int64(len(hello)), uint16(3))
	f.Add([]byte("0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"), uint8(1), int64(0), uint16(7))
	f.Add([]byte("5;chunk-signature=zz\r\nhello\r\n0\r\n\r\n"), uint8(2), int64(5), uint16(2))
	f.Add([]byte("ffffffffffffffff\r\n"), uint8(1), int64(-1), uint16(10))
	f.Fuzz(func(t *testing.T, body []byte, mode uint8, declared int64, readSize uint16) {
		if declared < -1 {
			declared = -1
		}
		size := int(readSize%512) + 1
		out1, err1 := decodeBy(t, fuzzDecoder(body, mode, declared), size)
		out2, err2 := decodeBy(t, fuzzDecoder(body, mode, declared), 513-size)
		if (err1 == nil) != (err2 == nil) || (err1 == nil && !bytes.Equal(out1, out2)) {
			t.Fatalf("read sizes disagree: %v / %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		if declared >= 0 && int64(len(out1)) != declared {
			t.Fatalf("decoded %d bytes, %d declared", len(out1), declared)
		}
		if mode%3 != 1 {
			for _, p := range fuzzPayloads {
				if bytes.Equal(out1, p) {
					return
				}
			}
			t.Fatalf("forged signed body accepted: %q", out1)
		}
		// An accepted unsigned body carries the right checksum: re-encoding
		// what was decoded decodes to the same bytes.
		h := crc32.NewIEEE()
		h.Write(out1)
		enc := chunkEncoder{chunkSize: 7, trailers: [][2]string{{"x-amz-checksum-crc32", b64(h.Sum(nil))}}}
		again, err := decodeBy(t, fuzzDecoder(enc.encode(out1), 1, int64(len(out1))), 13)
		if err != nil || !bytes.Equal(again, out1) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
