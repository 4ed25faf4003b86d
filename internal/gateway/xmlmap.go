package gateway

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// xmlNode is an element being decoded.
type xmlNode struct {
	name     string
	text     strings.Builder
	children map[string]any
	lists    map[string]bool // children that repeat
}

// xmlDocument decodes an XML document into its root element's name and
// value: an element with child elements is a map (repeated children and
// "member"/"item" children become lists), one without is its text. Names are
// lowerCamel when camel is set. ok is false if b is not XML.
func xmlDocument(b []byte, camel bool) (root string, v any, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*xmlNode
	for {
		tok, err := d.Token()
		if err != nil {
			return "", nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, &xmlNode{name: t.Name.Local})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			val := n.value()
			name := n.name
			if camel {
				name = lowerCamel(name)
			}
			if len(stack) == 0 {
				return name, val, true
			}
			stack[len(stack)-1].add(name, val)
		}
		if len(stack) > 64 {
			return "", nil, false
		}
	}
}

func (n *xmlNode) add(name string, v any) {
	if n.children == nil {
		n.children = map[string]any{}
	}
	prev, ok := n.children[name]
	switch {
	case !ok:
		n.children[name] = v
	case n.lists[name]:
		n.children[name] = append(prev.([]any), v)
	default:
		if n.lists == nil {
			n.lists = map[string]bool{}
		}
		n.lists[name] = true
		n.children[name] = []any{prev, v}
	}
}

func (n *xmlNode) value() any {
	if n.children == nil {
		return strings.TrimSpace(n.text.String())
	}
	if len(n.children) == 1 {
		for k, v := range n.children {
			if k == "member" || k == "item" {
				if l, ok := v.([]any); ok && n.lists[k] {
					return l
				}
				return []any{v}
			}
		}
	}
	return n.children
}
