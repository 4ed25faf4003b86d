package main

import (
	"strings"
	"testing"
)

func TestTopicFlag(t *testing.T) {
	f := topicFlag{}
	for _, ok := range []string{"ct=http://127.0.0.1:9000/hook", "other=https://example.test/x?y=1"} {
		if err := f.Set(ok); err != nil {
			t.Errorf("Set(%q): %v", ok, err)
		}
	}
	if f["ct"] != "http://127.0.0.1:9000/hook" || f["other"] != "https://example.test/x?y=1" {
		t.Fatalf("parsed %v", f)
	}
	for _, bad := range []string{"ct", "=http://x", "ct=ftp://x", "ct="} {
		if err := f.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}

func TestServeFlagsValidateDeliveryAndS3(t *testing.T) {
	for args, want := range map[string]string{
		"--delivery-interval 500ms": "--delivery-interval must be at least 1s",
		"--sns-topic nourl":         "want TOPIC=http(s)://URL",
	} {
		err := runServe(strings.Fields(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve %s: %v, want %q", args, err, want)
		}
	}
	var s storageFlags
	s.endpoint = "http://127.0.0.1:1"
	t.Setenv("CAIRN_S3_ACCESS_KEY_ID", "")
	t.Setenv("CAIRN_S3_SECRET_ACCESS_KEY", "")
	if _, _, err := s.open(t.Context(), dataDir(t.TempDir()), nil); err == nil || !strings.Contains(err.Error(), "needs credentials") {
		t.Errorf("external S3 without credentials: %v", err)
	}
}
