package auth

import (
	"fmt"
	"slices"
	"strings"
)

//go:generate python3 gen_regions.py

// Regions accepted in the credential scope: the regions of the AWS
// partitions (regions_table.go, generated from botocore's endpoints.json)
// and those the operator adds (Options.ExtraRegions, `cairn serve
// --regions`). Anything else (an empty or upper-case name, "..", a trailing
// space, 300 characters) is refused before the key is looked up, so no
// event, trail or digest key is ever made for such a region.

// maxRegionLen bounds a configured region name.
const maxRegionLen = 32

// CheckRegionName reports whether name may be configured as an extra region:
// 1 to 32 characters, lower-case letters, digits and single inner hyphens
// (the shape of every AWS region name).
func CheckRegionName(name string) error {
	if name == "" || len(name) > maxRegionLen {
		return fmt.Errorf("region name %q: must be 1 to %d characters", name, maxRegionLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' && i > 0 && i < len(name)-1 && name[i-1] != '-':
		default:
			return fmt.Errorf("region name %q: only lower-case letters, digits and single inner hyphens are allowed", name)
		}
	}
	return nil
}

// ParseRegions reads a comma-separated list of extra region names (the
// --regions flag), checking each with CheckRegionName.
func ParseRegions(list string) ([]string, error) {
	var out []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if err := CheckRegionName(name); err != nil {
			return nil, err
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// IsPartitionRegion reports whether name is a region of an AWS partition.
func IsPartitionRegion(name string) bool {
	_, ok := partitionRegions[name]
	return ok
}

// regionSet is the set of accepted regions beyond the partitions'.
type regionSet map[string]struct{}

func newRegionSet(extra []string) regionSet {
	s := make(regionSet, len(extra))
	for _, name := range extra {
		if CheckRegionName(name) == nil { // NewVerifier cannot fail: bad names are ignored
			s[name] = struct{}{}
		}
	}
	return s
}

func (s regionSet) allows(name string) bool {
	if IsPartitionRegion(name) {
		return true
	}
	_, ok := s[name]
	return ok
}

// badRegion is the error for a scope naming a region that is not accepted.
func badRegion(name string) *Error {
	const maxEcho = 64
	if len(name) > maxEcho {
		name = name[:maxEcho] + "..."
	}
	return newError(KindBadRegion, fmt.Sprintf("%s, not '%s'.", MsgBadRegion, name), nil)
}
