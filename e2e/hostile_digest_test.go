package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cairn-audit/cairn/internal/digest"
)

// hostileDigestInterval is short so that a handful of digests exist within
// seconds; the deletions below are then far inside validate's time-based
// grace (a minute), so only the server's chain end and the anchor see them.
const hostileDigestInterval = "6s"

// History rewrites by whoever can read the data dir and the bucket (issue
// 11, items 5 and 6): signing keys encrypted under a KEK held outside the
// data dir, each digest anchored in an Object Lock (COMPLIANCE) bucket, and
// cairn validate knowing where the chain must end.
//
// Three trails log at once: "rewritten" (edited log file + re-signed
// digests, then restored), "deleted" (newest digests removed, bucket
// emptied, trail deleted and re-created) and "untouched" (left alone, for
// the final validate).
func TestHostileDigestRewriteAndDeletion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := startMotoAt(t, freePort(t))
	mc := m.client()
	for _, b := range []string{"trail-rewritten", "trail-deleted", "trail-untouched"} {
		if _, err := mc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("anchors"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	const anchorURI = "s3://anchors/cairn?retention-days=1"
	kek := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(kek, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	flags := []string{"--delivery-interval", "1s", "--digest-interval", hostileDigestInterval,
		"--s3-endpoint", m.endpoint, "--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret,
		"--key-encryption-key-file", kek, "--anchor", anchorURI}

	// A KEK inside the data dir is refused.
	inside := filepath.Join(data, "kek")
	os.WriteFile(inside, []byte(strings.Repeat("5a", 32)), 0o600)
	if out, code := serveFails(t, data, "--key-encryption-key-file", inside); code == 0 || !strings.Contains(out, "inside the data dir") {
		t.Fatalf("KEK inside the data dir: exit %d\n%s", code, out)
	}
	os.Remove(inside)

	s := startServerIn(t, data, flags...)
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	start := time.Now().UTC().Add(-5 * time.Second).Format(time.RFC3339)
	arn := func(name string) string { return "arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/" + name }
	newTrail := func(name string) {
		t.Helper()
		if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String("trail-" + name),
			EnableLogFileValidation: aws.Bool(true)}); err != nil {
			t.Fatalf("CreateTrail %s: %v", name, err)
		}
		if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	newTrail("rewritten")
	newTrail("deleted")
	newTrail("untouched")

	// Traffic across 5+ digest intervals; every acknowledged call's request ID is kept.
	us := sts.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	var acked []string
	for until := time.Now().Add(26 * time.Second); time.Now().Before(until); time.Sleep(250 * time.Millisecond) {
		out, err := us.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("traffic: %v", err)
		}
		id, _ := awsmw.GetRequestIDMetadata(out.ResultMetadata)
		acked = append(acked, id)
	}
	stopAndWait := func(names ...string) {
		t.Helper()
		stopped := time.Now()
		for _, n := range names {
			if _, err := ct.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String(n)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range names {
			waitStatus(t, ct, n, func(st *cloudtrail.GetTrailStatusOutput) bool {
				return st.LatestDigestDeliveryTime != nil && st.LatestDigestDeliveryTime.After(stopped) && aws.ToString(st.LatestDigestDeliveryError) == ""
			})
		}
	}
	stopAndWait("rewritten", "deleted", "untouched")

	validateArgs := func(name string, extra ...string) []string {
		return append([]string{"--trail-arn", arn(name), "--start-time", start,
			"--s3-endpoint", m.endpoint, "--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret}, extra...)
	}
	expect := func(what string, wantCode int, out string, code int, wants ...string) {
		t.Helper()
		if code != wantCode {
			t.Fatalf("%s: exit %d, want %d\n%s", what, code, wantCode, out)
		}
		mustContain(t, what, out, wants...)
	}
	for _, n := range []string{"rewritten", "deleted"} {
		out, code := cairnValidate(t, s, validateArgs(n, "--anchor", anchorURI, "--continuous")...)
		expect("baseline "+n, 0, out, code)
	}
	for _, cli := range awsCLIs(t) {
		out, code := validateLogs(t, cli, s, m.endpoint, testRegion, "--trail-arn", arn("rewritten"), "--start-time", start)
		if code != 0 || strings.Contains(out, "INVALID") {
			t.Fatalf("aws %s validate-logs: exit %d\n%s", cli.name, code, out)
		}
	}

	// (a) The signing keys on disk are not keys.
	files, _ := filepath.Glob(filepath.Join(data, "keys", "digest", "*", "*.pem"))
	if len(files) == 0 {
		t.Fatal("no digest key files")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		block, _ := pem.Decode(b)
		if block == nil || block.Type == "RSA PRIVATE KEY" || bytes.Contains(b, []byte("BEGIN RSA PRIVATE KEY")) {
			t.Fatalf("%s holds a plaintext key:\n%s", f, b)
		}
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
			t.Fatalf("%s parses as a private key", f)
		}
		if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			t.Fatalf("%s parses as a private key", f)
		}
	}

	// (a) A log file edited and every later digest re-signed with a key the
	// attacker controls: the anchor names the first digest that differs.
	digests := listKeys(t, mc, "trail-rewritten", digestPrefix(testRegion))
	if len(digests) < 4 {
		t.Fatalf("only %d digests", len(digests))
	}
	saved := map[string]object{}
	first := -1
	var parsed []digest.Digest
	for i, k := range digests {
		o := getObject(t, mc, "trail-rewritten", k)
		saved[k] = o
		var d digest.Digest
		if err := json.Unmarshal(gunzipBytes(t, o.body), &d); err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, d)
		if first < 0 && i > 0 && len(d.LogFiles) > 0 {
			first = i
		}
	}
	if first < 0 {
		t.Fatal("no digest after the first lists a log file")
	}
	logKey := parsed[first].LogFiles[0].S3Object
	logObj := getObject(t, mc, "trail-rewritten", logKey)
	saved[logKey] = logObj
	edited := bytes.Replace(gunzipBytes(t, logObj.body), []byte(`"GetCallerIdentity"`), []byte(`"GetCallerIdentitX"`), 1)
	putObject(t, mc, "trail-rewritten", object{key: logKey, body: gzipBytes(t, edited)})
	attacker, err := digest.GenerateSigningKey(2048, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	prevRaw := gunzipBytes(t, saved[digests[first-1]].body)
	h := sha256.Sum256(prevRaw)
	link := &digest.Link{Bucket: "trail-rewritten", Key: digests[first-1], Hash: hex.EncodeToString(h[:]), Signature: saved[digests[first-1]].meta[digest.MetaSignature]}
	if parsed[first].PreviousDigestS3Object == nil {
		link = nil
	}
	sum := sha256.Sum256(edited)
	parsed[first].LogFiles[0].HashValue = hex.EncodeToString(sum[:])
	for i := first; i < len(digests); i++ {
		if parsed[i].PreviousDigestS3Object == nil {
			link = nil
		}
		sealed, err := digest.Seal(parsed[i], "trail-rewritten", digests[i], link, attacker)
		if err != nil {
			t.Fatal(err)
		}
		putObject(t, mc, "trail-rewritten", object{key: digests[i], body: sealed.Body, meta: sealed.Metadata})
		l := sealed.Link("trail-rewritten")
		link = &l
	}
	out, code := cairnValidate(t, s, validateArgs("rewritten", "--anchor", anchorURI)...)
	expect("rewrite, --anchor", 1, out, code, "the first digest that differs is s3://trail-rewritten/"+digests[first]+" (anchor-mismatch)")
	for k, o := range saved { // restore
		putObject(t, mc, "trail-rewritten", o)
		_ = k
	}
	out, code = cairnValidate(t, s, validateArgs("rewritten", "--anchor", anchorURI, "--continuous")...)
	expect("restored", 0, out, code)

	// (b) The newest 2 digests and their log files deleted.
	digests = listKeys(t, mc, "trail-deleted", digestPrefix(testRegion))
	for _, k := range digests[len(digests)-2:] {
		var d digest.Digest
		if err := json.Unmarshal(gunzipBytes(t, getObject(t, mc, "trail-deleted", k).body), &d); err != nil {
			t.Fatal(err)
		}
		for _, lf := range d.LogFiles {
			deleteObject(t, mc, "trail-deleted", lf.S3Object)
		}
		deleteObject(t, mc, "trail-deleted", k)
	}
	out, code = cairnValidate(t, s, validateArgs("deleted", "--continuous")...)
	expect("newest 2 deleted, --continuous", 1, out, code, "the newest digests (and their log files) were removed")
	out, code = cairnValidate(t, s, validateArgs("deleted")...)
	expect("newest 2 deleted, plain", 1, out, code, "LatestDigestDeliveryTime")
	out, code = cairnValidate(t, s, validateArgs("deleted", "--anchor", anchorURI)...)
	expect("newest 2 deleted, --anchor", 1, out, code, "the first digest that differs is s3://trail-deleted/"+digests[len(digests)-2]+" (anchor-missing)")

	// (c) The bucket emptied.
	for _, k := range listKeys(t, mc, "trail-deleted", "") {
		deleteObject(t, mc, "trail-deleted", k)
	}
	out, code = cairnValidate(t, s, validateArgs("deleted", "--continuous")...)
	expect("emptied, --continuous", 1, out, code, "no digest files in the bucket, although GetTrailStatus")
	out, code = cairnValidate(t, s, validateArgs("deleted", "--anchor", anchorURI)...)
	expect("emptied, --anchor", 1, out, code, "the first digest that differs is s3://trail-deleted/"+digests[0]+" (anchor-missing)")

	// (d) Emptied, DeleteTrail, a new trail of the same name, StartLogging.
	if _, err := ct.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	newTrail("deleted")
	waitStatus(t, ct, "deleted", func(st *cloudtrail.GetTrailStatusOutput) bool { return st.LatestDigestDeliveryTime != nil })
	stopAndWait("deleted")
	out, code = cairnValidate(t, s, validateArgs("deleted", "--anchor", anchorURI)...)
	expect("re-created, --anchor", 1, out, code, "the first digest that differs is s3://trail-deleted/"+digests[0]+" (anchor-missing)")
	out, code = cairnValidate(t, s, validateArgs("deleted", "--continuous", "--grace", "10s")...)
	expect("re-created, --continuous", 1, out, code, "although the trail was logging throughout")
	// Without the anchor and --continuous the new trail's chain is
	// indistinguishable from a trail created then (docs/DIGESTS.md).
	_, code = cairnValidate(t, s, validateArgs("deleted")...)
	t.Logf("re-created, plain validate (no anchor): exit %d", code)

	// A wrong KEK, no KEK, or a plaintext key slipped into the keyring: the
	// server refuses to start and makes no key.
	s.stop()
	wrong := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(wrong, []byte(strings.Repeat("77", 32)), 0o600)
	before, _ := filepath.Glob(filepath.Join(data, "keys", "digest", "*", "*.pem"))
	if out, code := serveFails(t, data, "--key-encryption-key-file", wrong); code == 0 || !strings.Contains(out, "wrong key-encryption key") {
		t.Fatalf("wrong KEK: exit %d\n%s", code, out)
	}
	if out, code := serveFails(t, data); code == 0 || !strings.Contains(out, "key-encryption key is required") {
		t.Fatalf("no KEK: exit %d\n%s", code, out)
	}
	injected := filepath.Join(data, "keys", "digest", testRegion, attacker.Public.Fingerprint+".pem")
	os.WriteFile(injected, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{
		"Cairn-Validity-Start": time.Now().UTC().Format(time.RFC3339), "Cairn-Validity-End": time.Now().UTC().Add(time.Hour).Format(time.RFC3339)},
		Bytes: x509.MarshalPKCS1PrivateKey(attacker.Private)}), 0o600)
	if out, code := serveFails(t, data, "--key-encryption-key-file", kek); code == 0 || !strings.Contains(out, "plaintext signing key among encrypted ones") {
		t.Fatalf("injected plaintext key: exit %d\n%s", code, out)
	}
	os.Remove(injected)
	if after, _ := filepath.Glob(filepath.Join(data, "keys", "digest", "*", "*.pem")); len(after) != len(before) {
		t.Fatalf("key files %d -> %d", len(before), len(after))
	}

	// Integrity: the server answers with the right KEK, every acknowledged
	// call is in LookupEvents (which the bucket edits do not reach) and in
	// the rewritten (and restored) trail's logs exactly once, and the
	// restored and the untouched trails' chains validate against the anchor.
	s = startServerIn(t, data, flags...)
	calls := make([]ackedCall, len(acked))
	for i, id := range acked {
		calls[i] = ackedCall{Event: "GetCallerIdentity", RequestID: id, Answered: true}
	}
	began := time.Now()
	checkIntegrity(t, s, calls)
	t.Logf("integrity: checked %d acknowledged calls in %v", len(calls), time.Since(began).Round(time.Millisecond))
	seen := map[string]int{}
	for _, lf := range readLogs(t, mc, "trail-rewritten", "AWSLogs/") {
		for _, r := range lf.Records {
			if r.EventName == "GetCallerIdentity" {
				seen[r.RequestID]++
			}
		}
	}
	for _, id := range acked {
		if seen[id] != 1 {
			t.Fatalf("acknowledged call %s delivered %d times", id, seen[id])
		}
	}
	out, code = cairnValidate(t, s, validateArgs("rewritten", "--anchor", anchorURI, "--continuous")...)
	expect("final, restored", 0, out, code)
	out, code = cairnValidate(t, s, validateArgs("untouched", "--anchor", anchorURI, "--continuous")...)
	expect("final, untouched", 0, out, code, " digest files valid")
}

// waitStatus polls GetTrailStatus until ok (60 s at most).
func waitStatus(t *testing.T, ct *cloudtrail.Client, name string, ok func(*cloudtrail.GetTrailStatusOutput) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := ct.GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("trail %s: status never reached: %+v", name, st)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// serveFails runs cairn serve on data, expecting it to exit at startup;
// it returns the output and exit code (killed after 30 s if it does start).
func serveFails(t *testing.T, data string, extra ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cairnBin, append([]string{"serve", "--listen", freePort(t), "--data", data}, extra...)...)
	cmd.Env = append(os.Environ(), "CAIRN_ACCOUNT_ID="+testAccount, "CAIRN_ACCESS_KEY_ID="+testKey, "CAIRN_SECRET_ACCESS_KEY="+testSecret, "CAIRN_KEY_ENCRYPTION_KEY=")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return string(out), code
}
