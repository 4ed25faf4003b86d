package identity

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// oldStateFile is state.json as the store wrote it before it moved onto
// jsonstore (%s is the root key's sealed secret): existing files must load,
// and the store writes them the same.
const oldStateFile = `{
  "format": "cairn-identity",
  "version": 1,
  "defaultAccount": "123456789012",
  "accounts": [
    {
      "accountId": "123456789012",
      "createDate": "2026-11-21T05:00:00Z"
    }
  ],
  "users": [
    {
      "accountId": "123456789012",
      "userId": "AIDAVELQVHJDSGVGXAT2M",
      "userName": "Alice",
      "path": "/eng/",
      "createDate": "2026-11-21T05:00:00Z",
      "tags": [
        {
          "key": "team",
          "value": "core"
        }
      ]
    }
  ],
  "accessKeys": [
    {
      "accountId": "123456789012",
      "accessKeyId": "AKIDEXAMPLE",
      "status": "Active",
      "createDate": "2026-11-21T05:00:00Z",
      "sealedSecret": "%s"
    }
  ]
}
`

func TestStateFileFormatUnchanged(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{9}, masterKeySize)
	sl, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	old := fmt.Sprintf(oldStateFile, sl.seal("123456789012", "AKIDEXAMPLE", secret))
	if err := os.WriteFile(filepath.Join(dir, masterKeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, dir)
	if c, err := s.RootCredentials(); err != nil || c != (Credentials{"123456789012", "AKIDEXAMPLE", secret}) {
		t.Fatalf("RootCredentials = %+v, %v", c, err)
	}
	if u, ok := s.User("123456789012", "alice"); !ok || u.Path != "/eng/" || len(u.Tags) != 1 {
		t.Fatalf("User = %+v, %v", u, ok)
	}
	tx := begin(t, s)
	if _, err := tx.mutable(); err != nil { // a change that changes nothing: the file is rewritten
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, stateFile)); string(b) != old {
		t.Fatalf("rewritten as\n%s\nwant\n%s", b, old)
	}
}
