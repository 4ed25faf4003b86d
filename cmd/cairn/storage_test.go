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
}
