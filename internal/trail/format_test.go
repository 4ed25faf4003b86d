package trail

import (
	"os"
	"path/filepath"
	"testing"
)

// oldStateFile is trails.json as the store wrote it before it moved onto
// jsonstore: existing files must load, and the store writes them the same.
const oldStateFile = `{
  "format": "cairn-trails",
  "version": 1,
  "trails": [
    {
      "id": "id-a",
      "account": "111111111111",
      "homeRegion": "us-east-1",
      "name": "main",
      "arn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/main",
      "s3BucketName": "logs\u003c\u0026\u003e",
      "includeGlobalServiceEvents": false,
      "isMultiRegionTrail": true,
      "logFileValidationEnabled": false,
      "isOrganizationTrail": false,
      "tags": [
        {
          "key": "team",
          "value": "sec"
        },
        {
          "key": "empty"
        }
      ],
      "selectors": {
        "basic": [
          {
            "ReadWriteType": "WriteOnly",
            "IncludeManagementEvents": true
          }
        ]
      },
      "hasCustomEventSelectors": false,
      "created": "2026-03-01T10:00:00Z",
      "windows": [
        {
          "start": 7,
          "startTime": "2026-03-01T10:00:00Z",
          "stop": 9,
          "stopTime": "2026-03-01T10:01:00Z"
        }
      ]
    }
  ]
}
`

func TestStateFileFormatUnchanged(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(oldStateFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, dir, Options{})
	tr, ok := s.Get("111111111111", "arn:aws:cloudtrail:us-east-1:111111111111:trail/main")
	if !ok || tr.S3BucketName != "logs<&>" || len(tr.Tags) != 2 || len(tr.Windows) != 1 || !tr.Created.Equal(t0) {
		t.Fatalf("loaded %+v %v", tr, ok)
	}
	put(t, s, tr) // unchanged: written back the same
	if b, _ := os.ReadFile(filepath.Join(dir, stateFile)); string(b) != oldStateFile {
		t.Fatalf("rewritten as\n%s\nwant\n%s", b, oldStateFile)
	}
}
