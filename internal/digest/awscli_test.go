package digest

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// awscliTraverse runs awscli's own digest traverser
// (awscli.customizations.cloudtrail.validation.create_digest_traverser, with
// its DigestProvider, DigestTraverser and Sha256RSADigestValidator) over
// fake S3 and CloudTrail clients serving each scenario's objects and public
// keys, and prints, per scenario, the digests it found valid (newest first),
// its INVALID messages and the keys after which it reported a gap.
const awscliTraverse = `
import base64, io, json, sys
from datetime import datetime
from awscli.customizations.cloudtrail.validation import create_digest_traverser

fx = json.load(open(sys.argv[1]))
when = lambda s: datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ')
results = []
for sc in fx['scenarios']:
    objects = {k: (base64.b64decode(v['body']), v['meta']) for k, v in sc['objects'].items()}
    listed = []

    class Pages:
        def __init__(self, keys): self.keys = keys
        def search(self, expr):
            assert expr == 'Contents[*].Key', expr
            return iter(self.keys)

    class Paginator:
        def paginate(self, Bucket, Marker, Prefix):
            assert Bucket == fx['bucket'], Bucket
            listed.append(Prefix)
            return Pages(sorted(k for k in objects if k.startswith(Prefix) and k > Marker))

    class S3:
        def get_paginator(self, name):
            assert name == 'list_objects', name
            return Paginator()
        def get_object(self, Bucket, Key):
            body, meta = objects[Key]
            return {'Body': io.BytesIO(body), 'Metadata': meta}

    class S3Provider:
        def get_client(self, bucket): return S3()

    class CloudTrail:
        def list_public_keys(self, StartTime, EndTime):
            return {'PublicKeyList': sc['keys']}

    invalid, gaps = [], []
    tr = create_digest_traverser(
        cloudtrail_client=CloudTrail(), organization_client=None, s3_client_provider=S3Provider(),
        trail_arn=fx['trailArn'], trail_source_region=fx['region'],
        on_invalid=lambda **kw: invalid.append(kw['message']),
        on_gap=lambda **kw: gaps.append(kw['next_key']),
        on_missing=lambda **kw: invalid.append('missing ' + kw['last_key']),
        bucket=fx['bucket'], prefix=fx['prefix'])
    valid = [d['digestS3Object'] for d in tr.traverse_digests(when(fx['start']), when(fx['end']))]
    results.append({'valid': valid, 'invalid': invalid, 'gaps': gaps, 'listed': listed})
print(json.dumps(results))
`

type cliScenario struct {
	Objects map[string]cliObject `json:"objects"`
	Keys    []cliKey             `json:"keys"`
}

type cliObject struct {
	Body []byte            `json:"body"` // base64 in JSON
	Meta map[string]string `json:"meta"`
}

// cliKey is a PublicKeyList entry as the CLI sees it: its identity blob
// parser leaves Value as the base64 string of the wire.
type cliKey struct {
	Value       string `json:"Value"`
	Fingerprint string `json:"Fingerprint"`
}

type cliResult struct {
	Valid   []string `json:"valid"`
	Invalid []string `json:"invalid"`
	Gaps    []string `json:"gaps"`
	Listed  []string `json:"listed"`
}

// requireAWSCLI returns the python3 to run, skipping only when python3 or
// awscli is missing and CAIRN_SKIP_AWSCLI=1.
func requireAWSCLI(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import awscli.customizations.cloudtrail.validation").Run()
	}
	if err != nil {
		if os.Getenv("CAIRN_SKIP_AWSCLI") == "1" {
			t.Skipf("python3 with awscli not available (%v); CAIRN_SKIP_AWSCLI=1", err)
		}
		t.Fatalf("python3 with awscli is needed to cross-check digests (%v); set CAIRN_SKIP_AWSCLI=1 to skip", err)
	}
	return py
}

// TestAWSCLIValidatesSealedDigests cross-checks Seal, Key and the keyring's
// public keys against awscli's validate-logs code: a chain of 2048-bit signed
// digests across a key rotation and a gap must all be valid, and tampering
// must be caught (so the harness is not vacuous).
func TestAWSCLIValidatesSealedDigests(t *testing.T) {
	py := requireAWSCLI(t)
	const region, prefix = "us-east-1", "pfx"
	c := &clock{}
	kr, err := OpenKeyring(t.TempDir(), KeyringOptions{Now: c.Now, Bits: 2048, Rotation: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	// Hourly digests ending 01:00, 02:00, 03:00 (a chain) and 06:00 (a new
	// chain after a gap), each sealed five minutes after its end with the key
	// for its end time.
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	type made struct{ s *Sealed }
	var digests []made
	var prev *Link
	for i, h := range []int{1, 2, 3, 6} {
		end := base.Add(time.Duration(h) * time.Hour)
		c.Set(end.Add(5 * time.Minute))
		k, err := kr.KeyAt(region, end)
		if err != nil {
			t.Fatal(err)
		}
		d, key := testDigest(end, []int{2, 0, 1, 1}[i])
		if h == 6 {
			prev = nil
		}
		s, err := Seal(d, testBucket, key, prev, k)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Signature) != 512 {
			t.Fatalf("signature of %d hex chars from a 2048-bit key", len(s.Signature))
		}
		l := s.Link(testBucket)
		prev = &l
		digests = append(digests, made{s})
	}
	if digests[0].s.Metadata[MetaSignature] == "" {
		t.Fatal("no signature")
	}

	start, end := base, base.Add(6*time.Hour)
	pks, err := kr.PublicKeys(region, start, end.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(pks) < 2 {
		t.Fatalf("expected a rotation, got %d keys", len(pks))
	}
	var keys, spkiKeys []cliKey
	for _, p := range pks {
		if !strings.HasPrefix(base64.StdEncoding.EncodeToString(p.Value), "MIIBCgKCAQEA") {
			t.Fatalf("public key is not 2048-bit PKCS#1 DER")
		}
		keys = append(keys, cliKey{Value: base64.StdEncoding.EncodeToString(p.Value), Fingerprint: p.Fingerprint})
		rk, _ := p.RSA()
		spki, _ := x509.MarshalPKIXPublicKey(rk)
		spkiKeys = append(spkiKeys, cliKey{Value: base64.StdEncoding.EncodeToString(spki), Fingerprint: p.Fingerprint})
	}
	objects := func(mod func(i int, o *cliObject)) map[string]cliObject {
		m := map[string]cliObject{}
		for i, d := range digests {
			o := cliObject{Body: d.s.Body, Meta: d.s.Metadata}
			if mod != nil {
				mod(i, &o)
			}
			m[d.s.Key] = o
		}
		// Objects the CLI must skip: another trail's digest and a log file.
		m[Key(prefix, testAccount, region, "othertrail", region, base.Add(2*time.Hour))] = cliObject{Body: []byte("x"), Meta: map[string]string{}}
		m[prefix+"/AWSLogs/"+testAccount+"/CloudTrail/"+region+"/2024/01/01/x.json.gz"] = cliObject{Body: []byte("x"), Meta: map[string]string{}}
		return m
	}
	tampered := func(i int, o *cliObject) {
		if i == 1 { // same JSON value, one more byte: the hash and so the signature change
			raw := bytes.Replace(digests[1].s.Raw, []byte(`"logFiles":[]`), []byte(`"logFiles":[ ]`), 1)
			body, err := compress(raw)
			if err != nil {
				t.Fatal(err)
			}
			o.Body = body
		}
	}
	fixture := map[string]any{
		"bucket":   testBucket,
		"prefix":   prefix,
		"region":   region,
		"trailArn": "arn:aws:cloudtrail:" + region + ":" + testAccount + ":trail/" + testTrail,
		"start":    start.Format(TimeFormat),
		"end":      end.Format(TimeFormat),
		"scenarios": []cliScenario{
			{Objects: objects(nil), Keys: keys},
			{Objects: objects(tampered), Keys: keys},
			{Objects: objects(nil), Keys: spkiKeys},
		},
	}
	fx, err := json.Marshal(fixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fixture.json")
	if err := os.WriteFile(path, fx, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", awscliTraverse, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var res []cliResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 3 {
		t.Fatalf("python output %s: %v", out, err)
	}
	k := func(i int) string { return digests[i].s.Key }

	good := res[0]
	if want := []string{k(3), k(2), k(1), k(0)}; !reflect.DeepEqual(good.Valid, want) || len(good.Invalid) != 0 {
		t.Fatalf("awscli: valid %v, invalid %v; want all 4 valid", good.Valid, good.Invalid)
	}
	if want := []string{k(2)}; !reflect.DeepEqual(good.Gaps, want) {
		t.Fatalf("awscli gaps %v, want %v", good.Gaps, want)
	}
	if want := prefix + "/AWSLogs/" + testAccount + "/CloudTrail-Digest/" + region; len(good.Listed) == 0 || good.Listed[0] != want {
		t.Fatalf("listed %v", good.Listed)
	}

	bad := res[1]
	if want := []string{k(3), k(2), k(0)}; !reflect.DeepEqual(bad.Valid, want) || len(bad.Invalid) != 1 ||
		!strings.Contains(bad.Invalid[0], k(1)) || !strings.Contains(bad.Invalid[0], "INVALID: signature verification failed") {
		t.Fatalf("tampered: valid %v, invalid %v", bad.Valid, bad.Invalid)
	}

	spki := res[2]
	if len(spki.Valid) != 0 || len(spki.Invalid) != 4 || !strings.Contains(spki.Invalid[0], "Unable to load PKCS #1 key") {
		t.Fatalf("SPKI keys: valid %v, invalid %v", spki.Valid, spki.Invalid)
	}

	// Our Verify agrees on each digest.
	vk := map[string]PublicKey{}
	for _, p := range pks {
		vk[p.Fingerprint] = p
	}
	for i, d := range digests {
		if _, err := Verify(d.s.Raw, testBucket, d.s.Key, d.s.Metadata, vk); err != nil {
			t.Fatalf("Verify digest %d: %v", i, err)
		}
	}
}
