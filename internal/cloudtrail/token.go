package cloudtrail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/cairn-audit/cairn/internal/history"
)

// Page tokens are opaque to clients: base64url(version | query hash | time ms |
// seq | HMAC). The HMAC makes them unforgeable, and the query hash binds each
// token to the account, region and parameters of the query that issued it.
const tokenVersion = 1

var errBadToken = errors.New("invalid page token")

type tokenCodec struct{ key []byte }

func (c tokenCodec) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(b)
	return m.Sum(nil)[:16]
}

func (c tokenCodec) encode(queryHash [16]byte, cur history.Cursor) string {
	b := make([]byte, 0, 1+16+20+16)
	b = append(b, tokenVersion)
	b = append(b, queryHash[:]...)
	b = binary.AppendVarint(b, cur.Time.UnixMilli())
	b = binary.AppendUvarint(b, cur.Seq)
	b = append(b, c.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c tokenCodec) decode(tok string, queryHash [16]byte) (history.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 1+16+2+16 || b[0] != tokenVersion {
		return history.Cursor{}, errBadToken
	}
	body, sum := b[:len(b)-16], b[len(b)-16:]
	if !hmac.Equal(sum, c.mac(body)) {
		return history.Cursor{}, errBadToken
	}
	if !hmac.Equal(body[1:17], queryHash[:]) {
		return history.Cursor{}, errBadToken
	}
	rest := body[17:]
	ms, n := binary.Varint(rest)
	if n <= 0 {
		return history.Cursor{}, errBadToken
	}
	seq, m := binary.Uvarint(rest[n:])
	if m <= 0 || n+m != len(rest) {
		return history.Cursor{}, errBadToken
	}
	return history.Cursor{Time: time.UnixMilli(ms).UTC(), Seq: seq}, nil
}
