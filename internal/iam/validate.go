package iam

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/api"
)

// A member constraint from the IAM model: pattern is shown in messages as
// AWS shows it, re is its anchored Go equivalent.
type stringShape struct {
	min, max int
	pattern  string
	re       *regexp.Regexp
}

var (
	userNameShape = stringShape{1, 64, `[\w+=,.@-]+`, regexp.MustCompile(`^[\w+=,.@-]+$`)}
	// existingUserNameType: operations naming an existing user accept 128.
	existingUserNameShape = stringShape{1, 128, `[\w+=,.@-]+`, regexp.MustCompile(`^[\w+=,.@-]+$`)}
	pathShape             = stringShape{1, 512, `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, regexp.MustCompile(`^(/|/[\x21-\x7e]+/)$`)}
	pathPrefixShape       = stringShape{1, 512, `\u002F[\u0021-\u007F]*`, regexp.MustCompile(`^/[\x21-\x7f]*$`)}
	markerShape           = stringShape{1, 320, `[\u0020-\u00FF]+`, regexp.MustCompile(`^[\x{20}-\x{ff}]+$`)}
	accessKeyIDShape      = stringShape{16, 128, `[\w]+`, regexp.MustCompile(`^\w+$`)}
	arnShape              = stringShape{20, 2048, "", nil}
	tagKeyShape           = stringShape{1, 128, `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)}
	tagValueShape         = stringShape{0, 256, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)}
)

const (
	maxItemsMin     = 1
	maxItemsMax     = 1000
	defaultMaxItems = 100
	maxTags         = 50
)

var statusValues = []string{"Active", "Inactive", "Expired"}

// validator collects constraint violations the way AWS reports them:
// "N validation error(s) detected: Value 'x' at 'member' failed to satisfy
// constraint: ...; ...".
type validator struct{ msgs []string }

func (v *validator) fail(value *string, member, constraint string) {
	shown := "null"
	if value != nil {
		shown = "'" + *value + "'"
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, member, constraint))
}

func (v *validator) err() error {
	if len(v.msgs) == 0 {
		return nil
	}
	plural := "s"
	if len(v.msgs) == 1 {
		plural = ""
	}
	return api.Errorf(codeValidationError, "%d validation error%s detected: %s", len(v.msgs), plural, strings.Join(v.msgs, "; "))
}

// check validates a present value against a shape.
func (v *validator) check(val, member string, sh stringShape) {
	n := utf8.RuneCountInString(val)
	if n < sh.min {
		v.fail(&val, member, fmt.Sprintf("Member must have length greater than or equal to %d", sh.min))
	}
	if n > sh.max {
		v.fail(&val, member, fmt.Sprintf("Member must have length less than or equal to %d", sh.max))
	}
	if sh.re != nil && !sh.re.MatchString(val) {
		v.fail(&val, member, "Member must satisfy regular expression pattern: "+sh.pattern)
	}
}

// str reads form parameter name (recorded and validated as member) and
// reports whether it was sent.
func (v *validator) str(p url.Values, name, member string, sh stringShape, required bool) (string, bool) {
	vals, ok := p[name]
	if !ok {
		if required {
			v.fail(nil, member, "Member must not be null")
		}
		return "", false
	}
	val := vals[0]
	v.check(val, member, sh)
	return val, true
}

// maxItems reads MaxItems (default 100).
func (v *validator) maxItems(p url.Values) int {
	vals, ok := p["MaxItems"]
	if !ok {
		return defaultMaxItems
	}
	n, err := strconv.Atoi(vals[0])
	switch {
	case err != nil:
		v.fail(&vals[0], "maxItems", "Member must be a valid integer")
	case n < maxItemsMin:
		v.fail(&vals[0], "maxItems", fmt.Sprintf("Member must have value greater than or equal to %d", maxItemsMin))
	case n > maxItemsMax:
		v.fail(&vals[0], "maxItems", fmt.Sprintf("Member must have value less than or equal to %d", maxItemsMax))
	}
	return n
}

// status reads Status, which must be one of the model's enum values.
func (v *validator) status(p url.Values) (string, bool) {
	vals, ok := p["Status"]
	if !ok {
		v.fail(nil, "status", "Member must not be null")
		return "", false
	}
	if !contains(statusValues, vals[0]) {
		v.fail(&vals[0], "status", "Member must satisfy enum value set: ["+strings.Join(statusValues, ", ")+"]")
	}
	return vals[0], true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// tagParam is one Tags.member.N entry; nil fields were not sent.
type tagParam struct {
	key, value *string
}

var tagParamRe = regexp.MustCompile(`^Tags\.member\.([1-9][0-9]*)\.(Key|Value)$`)

// tags reads the Tags list (Tags.member.N.Key / .Value); sent reports
// whether the list was present at all (an empty list is sent as "Tags=").
func (v *validator) tags(p url.Values) (tags []tagParam, sent bool) {
	byIndex := map[int]*tagParam{}
	for name, vals := range p {
		if name == "Tags" {
			sent = true
			continue
		}
		m := tagParamRe.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		sent = true
		i, err := strconv.Atoi(m[1])
		if err != nil || i > 10*maxTags { // absurd indexes are not a list we accept
			v.fail(&name, "tags", "Member must have length less than or equal to 50")
			return nil, true
		}
		t := byIndex[i]
		if t == nil {
			t = &tagParam{}
			byIndex[i] = t
		}
		val := vals[0]
		if m[2] == "Key" {
			t.key = &val
		} else {
			t.value = &val
		}
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		tags = append(tags, *byIndex[i])
	}
	if len(tags) > maxTags {
		v.fail(nil, "tags", fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
		return tags, sent
	}
	for n, t := range tags {
		member := fmt.Sprintf("tags.%d.member", n+1)
		if t.key == nil {
			v.fail(nil, member+".key", "Member must not be null")
		} else {
			v.check(*t.key, member+".key", tagKeyShape)
		}
		if t.value == nil {
			v.fail(nil, member+".value", "Member must not be null")
		} else {
			v.check(*t.value, member+".value", tagValueShape)
		}
	}
	return tags, sent
}
