package cloudtrail

import (
	"context"
	"crypto/md5"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/history"
)

type pkClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pkClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *pkClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func newKeysService(t testing.TB, keys PublicKeySource, now func() time.Time) *Service {
	t.Helper()
	s, err := New(Options{Store: history.NewMemory(), Index: synced{}, TokenKey: []byte("0123456789abcdef0123456789abcdef"), Now: now, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type wirePublicKey struct {
	Value             string  `json:"Value"`
	ValidityStartTime float64 `json:"ValidityStartTime"`
	ValidityEndTime   float64 `json:"ValidityEndTime"`
	Fingerprint       string  `json:"Fingerprint"`
}

func listKeys(t *testing.T, s *Service, region string, body any) ([]wirePublicKey, *api.Result) {
	t.Helper()
	c := call("111111111111", "ListPublicKeys", body)
	c.Region = region
	res := s.Handle(context.Background(), c)
	if res.ErrorCode != "" {
		return nil, res
	}
	var out struct {
		PublicKeyList []wirePublicKey
		NextToken     *string
	}
	if err := json.Unmarshal(res.Body, &out); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
	if out.PublicKeyList == nil || out.NextToken != nil {
		t.Fatalf("response %s", res.Body)
	}
	return out.PublicKeyList, res
}

func TestListPublicKeysWire(t *testing.T) {
	kr, err := digest.OpenKeyring(t.TempDir(), digest.KeyringOptions{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	s := newKeysService(t, kr, func() time.Time { return testNow })
	keys, res := listKeys(t, s, "us-east-1", map[string]any{})
	if res.Status != 200 || len(keys) != 1 {
		t.Fatalf("status %d, %s", res.Status, res.Body)
	}
	k := keys[0]
	// Value: base64 of the DER PKCS#1 RSAPublicKey of a 2048-bit key.
	if !strings.HasPrefix(k.Value, "MIIBCgKCAQEA") {
		t.Fatalf("Value %s is not base64 PKCS#1 DER of a 2048-bit key", k.Value)
	}
	der, err := base64.StdEncoding.DecodeString(k.Value)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKCS1PublicKey(der)
	if err != nil || pub.N.BitLen() != 2048 {
		t.Fatalf("PKCS#1: %v", err)
	}
	sum := md5.Sum(der)
	if k.Fingerprint != hex.EncodeToString(sum[:]) {
		t.Fatalf("Fingerprint %s is not md5(DER)", k.Fingerprint)
	}
	if k.ValidityStartTime != float64(testNow.Unix()) || k.ValidityEndTime != float64(testNow.Add(digest.DefaultRotation).Unix()) {
		t.Fatalf("validity %v..%v", k.ValidityStartTime, k.ValidityEndTime)
	}
	// The key is the one the keyring signs with.
	cur, err := kr.Current("us-east-1")
	if err != nil || cur.Public.Fingerprint != k.Fingerprint {
		t.Fatalf("current key %v", err)
	}
	// Timestamps travel as epoch numbers.
	if !strings.Contains(string(res.Body), `"ValidityStartTime":`+jsonNumber(testNow.Unix())) {
		t.Fatalf("body %s", res.Body)
	}
	// The call is recorded as a read-only management call.
	if res.EventName != "ListPublicKeys" || !res.ReadOnly || res.DataEvent || res.APIVersion != APIVersion {
		t.Fatalf("record: %+v", res)
	}
	_, res = listKeys(t, s, "us-east-1", map[string]any{"StartTime": testNow.Unix() - 3600, "EndTime": testNow.Unix()})
	if got := string(res.RequestParameters.(json.RawMessage)); !strings.Contains(got, `"startTime":`) || !strings.Contains(got, `"endTime":`) {
		t.Fatalf("requestParameters %s", got)
	}
}

func jsonNumber(v int64) string {
	b, _ := json.Marshal(float64(v))
	return string(b)
}

func TestListPublicKeysWindows(t *testing.T) {
	clk := &pkClock{t: testNow}
	kr, err := digest.OpenKeyring(t.TempDir(), digest.KeyringOptions{Now: clk.Now, Bits: 1024, Rotation: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s := newKeysService(t, kr, clk.Now)
	// Three keys: [now, +24h), [+24h, +48h), [+48h, +72h).
	var fps []string
	for i := 0; i < 3; i++ {
		k, err := kr.Current("us-east-1")
		if err != nil {
			t.Fatal(err)
		}
		fps = append(fps, k.Public.Fingerprint)
		clk.Set(clk.Now().Add(24 * time.Hour))
	}
	clk.Set(testNow.Add(50 * time.Hour))
	h := func(n int) int64 { return testNow.Add(time.Duration(n) * time.Hour).Unix() }
	cases := []struct {
		name string
		body map[string]any
		want []int
	}{
		{"default: the current key", map[string]any{}, []int{2}},
		{"all", map[string]any{"StartTime": h(-10), "EndTime": h(100)}, []int{0, 1, 2}},
		{"old window", map[string]any{"StartTime": h(1), "EndTime": h(2)}, []int{0}},
		{"across a rotation", map[string]any{"StartTime": h(23), "EndTime": h(25)}, []int{0, 1}},
		{"float epochs", map[string]any{"StartTime": float64(h(30)) + 0.5, "EndTime": float64(h(31)) + 0.25}, []int{1}},
		{"start only: up to now", map[string]any{"StartTime": h(30)}, []int{1, 2}},
		{"before any key", map[string]any{"StartTime": h(-10), "EndTime": h(-5)}, nil},
		{"empty NextToken", map[string]any{"NextToken": ""}, []int{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, res := listKeys(t, s, "us-east-1", tc.body)
			if res.ErrorCode != "" {
				t.Fatalf("%s: %s", res.ErrorCode, res.ErrorMessage)
			}
			var got []string
			for _, k := range keys {
				got = append(got, k.Fingerprint)
			}
			var want []string
			for _, i := range tc.want {
				want = append(want, fps[i])
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
	// Keys are per region: another region gets its own first key.
	keys, _ := listKeys(t, s, "eu-west-1", map[string]any{})
	if len(keys) != 1 || keys[0].Fingerprint == fps[2] || keys[0].ValidityStartTime != float64(clk.Now().Unix()) {
		t.Fatalf("eu-west-1 keys %+v", keys)
	}
}

type failingKeys struct{ err error }

func (f failingKeys) PublicKeys(string, time.Time, time.Time) ([]digest.PublicKey, error) {
	return nil, f.err
}

func TestListPublicKeysErrors(t *testing.T) {
	now := func() time.Time { return testNow }
	s := newKeysService(t, failingKeys{}, now)
	cases := []struct {
		name string
		body any
		code string
	}{
		{"start after end", map[string]any{"StartTime": testNow.Unix(), "EndTime": testNow.Unix() - 1}, "InvalidTimeRangeException"},
		{"end only, in the past", map[string]any{"EndTime": testNow.Unix() - 60}, "InvalidTimeRangeException"},
		{"next token", map[string]any{"NextToken": "abc"}, "InvalidTokenException"},
		{"mistyped time", map[string]any{"StartTime": true}, "SerializationException"},
		{"negative time", map[string]any{"EndTime": -1}, "SerializationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := listKeys(t, s, "us-east-1", tc.body)
			if res.ErrorCode != tc.code || res.Status != 400 {
				t.Fatalf("got %d %s (%s), want 400 %s", res.Status, res.ErrorCode, res.ErrorMessage, tc.code)
			}
			if !res.ReadOnly || res.EventName != "ListPublicKeys" {
				t.Fatalf("record %+v", res)
			}
		})
	}

	// Without a key source the operation is not supported.
	_, res := listKeys(t, newKeysService(t, nil, now), "us-east-1", map[string]any{})
	if res.ErrorCode != "UnsupportedOperationException" {
		t.Fatalf("no keys: %s", res.ErrorCode)
	}
	// A failing source is an internal failure.
	_, res = listKeys(t, newKeysService(t, failingKeys{err: errors.New("disk on fire")}, now), "us-east-1", map[string]any{})
	if res.ErrorCode != "InternalFailure" || res.Status != 500 {
		t.Fatalf("failing source: %d %s", res.Status, res.ErrorCode)
	}
	// A region the keyring cannot hold keys for has none.
	kr, err := digest.OpenKeyring(t.TempDir(), digest.KeyringOptions{Now: now, Bits: 1024})
	if err != nil {
		t.Fatal(err)
	}
	keys, res := listKeys(t, newKeysService(t, kr, now), "Not/A/Region", map[string]any{})
	if res.ErrorCode != "" || len(keys) != 0 || !strings.Contains(string(res.Body), `"PublicKeyList":[]`) {
		t.Fatalf("bad region: %s %s", res.ErrorCode, res.Body)
	}
}
