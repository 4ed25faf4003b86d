package gateway

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// formTree turns Query/EC2 form parameters (Tags.member.1.Key=k,
// InstanceId.1=i-1, Attribute.1.Name=n) into the nested members they
// serialise: lists for numbered segments (a "member"/"entry"/"item" segment
// before a number is the list's wrapper), structures otherwise, with
// lowerCamel member names when camel is set. Action and Version are the
// protocol's, not members, and are left out.
func formTree(v url.Values, camel bool) map[string]any {
	root := map[string]any{}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "Action" || k == "Version" || strings.HasPrefix(k, "X-Amz-") || len(v[k]) == 0 {
			continue
		}
		segs := strings.Split(k, ".")
		node := root
		for i, seg := range segs {
			if (seg == "member" || seg == "entry" || seg == "item") && i+1 < len(segs) && isIndex(segs[i+1]) {
				continue
			}
			name := seg
			if isIndex(seg) {
				name = "#" + seg
			} else if camel {
				name = lowerCamel(seg)
			}
			if i == len(segs)-1 {
				node[name] = v[k][0]
				break
			}
			child, ok := node[name].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[name] = child
			}
			node = child
		}
	}
	return listify(root).(map[string]any)
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

// listify turns the nodes whose keys are all "#N" into lists ordered by N.
func listify(n any) any {
	m, ok := n.(map[string]any)
	if !ok {
		return n
	}
	numbered := len(m) > 0
	for k, v := range m {
		m[k] = listify(v)
		if !strings.HasPrefix(k, "#") {
			numbered = false
		}
	}
	if !numbered {
		return m
	}
	idx := make([]int, 0, len(m))
	for k := range m {
		i, _ := strconv.Atoi(k[1:])
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]any, 0, len(idx))
	for _, i := range idx {
		out = append(out, m["#"+strconv.Itoa(i)])
	}
	if len(m) > 0 && len(idx) == len(m) {
		return out
	}
	return m
}

// entriesToMap turns a Query map's entries ([{name|key: k, value: v}]) into
// a map {k: v}; anything else is returned as it is.
func entriesToMap(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(list))
	for _, e := range list {
		em, ok := e.(map[string]any)
		if !ok {
			return v
		}
		var key string
		for _, k := range []string{"name", "key", "Name", "Key"} {
			if s, ok := em[k].(string); ok {
				key = s
				break
			}
		}
		val, ok := em["value"]
		if !ok {
			val = em["Value"]
		}
		if key == "" {
			return v
		}
		out[key] = val
	}
	return out
}
