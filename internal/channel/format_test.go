package channel

import (
	"os"
	"path/filepath"
	"testing"
)

// oldStateFile is channels.json as the store wrote it before it moved onto
// jsonstore: existing files must load, and the store writes them the same.
const oldStateFile = `{
  "format": "cairn-channels",
  "version": 1,
  "channels": [
    {
      "id": "id-a",
      "arn": "arn:aws:cloudtrail:us-east-1:111111111111:channel/id-a",
      "account": "111111111111",
      "region": "us-east-1",
      "name": "a",
      "source": "Custom",
      "destinations": [
        {
          "type": "EVENT_DATA_STORE",
          "location": "eds-1234",
          "pending": true
        }
      ],
      "tags": [
        {
          "key": "k",
          "value": "v"
        },
        {
          "key": "e"
        }
      ],
      "policy": "{\"Statement\":[{\"x\":\"\u003c\u0026\u003e\"}]}",
      "created": "2026-11-21T12:00:00Z",
      "updated": "2026-11-21T12:00:00Z"
    }
  ]
}
`

func TestStateFileFormatUnchanged(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(oldStateFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir)
	c, ok := s.ByID("id-a")
	if !ok || c.Policy != `{"Statement":[{"x":"<&>"}]}` || len(c.Tags) != 2 || !c.Destinations[0].Pending || !c.Created.Equal(t0) {
		t.Fatalf("loaded %+v %v", c, ok)
	}
	put(t, s, c) // unchanged: written back the same
	if b, _ := os.ReadFile(filepath.Join(dir, stateFile)); string(b) != oldStateFile {
		t.Fatalf("rewritten as\n%s\nwant\n%s", b, oldStateFile)
	}
}
