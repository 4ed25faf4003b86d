//go:build !unix

package gateway

import "io"

// withBytes calls fn with the spooled body read into memory.
func (s *spooledBody) withBytes(fn func([]byte) error) error {
	b, err := io.ReadAll(s.reader())
	if err != nil {
		return err
	}
	return fn(b)
}
