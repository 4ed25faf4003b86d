package identity

import (
	"errors"
	"fmt"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Errors returned by the store. Callers test them with errors.Is; the
// returned errors wrap them with the entity concerned.
var (
	ErrNoSuchAccount  = errors.New("identity: no such account")
	ErrNoSuchUser     = errors.New("identity: no such user")
	ErrUserExists     = errors.New("identity: user already exists")
	ErrNoSuchKey      = errors.New("identity: no such access key")
	ErrDeleteConflict = errors.New("identity: user still has access keys")
	ErrLimitExceeded  = errors.New("identity: limit exceeded")
	ErrInvalidStatus  = errors.New("identity: invalid access key status")
	ErrInvalidInput   = errors.New("identity: invalid input")
	ErrNoRootKey      = errors.New("identity: account has no root access key")
	ErrTxDone         = jsonstore.ErrTxDone
	ErrClosed         = jsonstore.ErrClosed
)

// LimitError is a quota that a change would exceed. It matches ErrLimitExceeded.
type LimitError struct {
	Quota string // AWS quota name, e.g. "AccessKeysPerUser"
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("identity: cannot exceed quota for %s: %d", e.Quota, e.Limit)
}

// Is makes errors.Is(err, ErrLimitExceeded) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimitExceeded }
