package auth

import "time"

// Defaults for Options.
const (
	// DefaultMaxSkew is how far a request's timestamp may be from the
	// server's clock, either way (AWS: 15 minutes).
	DefaultMaxSkew = 15 * time.Minute
	// DefaultMaxPresignExpiry is the largest X-Amz-Expires accepted (AWS: 7 days).
	DefaultMaxPresignExpiry = 7 * 24 * time.Hour
	// DefaultKeyCacheSize bounds the number of derived signing keys kept.
	DefaultKeyCacheSize = 1024
)

// Options tune a Verifier. Zero fields take the defaults.
type Options struct {
	// MaxSkew is the allowed clock difference, either way, between a
	// request's X-Amz-Date and now. Default DefaultMaxSkew.
	MaxSkew time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// MaxPresignExpiry is the largest X-Amz-Expires accepted on a presigned
	// URL. Default DefaultMaxPresignExpiry.
	MaxPresignExpiry time.Duration
	// KeyCacheSize bounds the derived-signing-key cache. Default DefaultKeyCacheSize.
	KeyCacheSize int
	// ExtraRegions are the region names accepted in the credential scope
	// besides those of the AWS partitions (see regions.go). Names that fail
	// CheckRegionName are ignored. Default none.
	ExtraRegions []string
}

// DefaultOptions returns the options AWS itself uses.
func DefaultOptions() Options {
	return Options{
		MaxSkew:          DefaultMaxSkew,
		Now:              time.Now,
		MaxPresignExpiry: DefaultMaxPresignExpiry,
		KeyCacheSize:     DefaultKeyCacheSize,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxSkew <= 0 {
		o.MaxSkew = d.MaxSkew
	}
	if o.Now == nil {
		o.Now = d.Now
	}
	if o.MaxPresignExpiry <= 0 {
		o.MaxPresignExpiry = d.MaxPresignExpiry
	}
	if o.KeyCacheSize <= 0 {
		o.KeyCacheSize = d.KeyCacheSize
	}
	return o
}
