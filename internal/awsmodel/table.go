package awsmodel

import "strings"

// serviceSpec is one service's generated data. ops is its operation table,
// parsed on first use, one line per operation followed by a line per member:
//
//	<Name> <Method> <URI> [<flags> [<payload> [<outputPayload>]]]
//	<<Member> <type> [<flags> [<location> [<wireName>]]]   (an input member)
//	><Member> <type> [<flags> [<location> [<wireName>]]]   (an output member)
//
// Fields are separated by spaces; "-" is an empty field and trailing empty
// fields are left out. Operation flags: r read-only, d deprecated. Member
// flags: R required, S sensitive, T streaming, I idempotency token. Types and
// locations are the one-letter codes of typeNames and locNames.
type serviceSpec struct {
	name, signingName, endpointPrefix, eventSource, protocols string
	targetPrefix, jsonVersion, apiVersion, serviceID          string
	globalEndpoint, ops                                       string
	errors                                                    string // servedSpecs only: the model's exception shapes
}

var typeNames = map[string]string{
	"s": "string", "S": "structure", "l": "list", "m": "map", "b": "blob",
	"B": "boolean", "i": "integer", "L": "long", "t": "timestamp",
	"d": "double", "f": "float", "D": "document",
}

var locNames = map[string]string{
	"-": LocBody, "u": LocURI, "q": LocQuery, "h": LocHeader, "H": LocHeaders, "c": LocStatusCode,
}

func field(f []string, i int) string {
	if i < len(f) && f[i] != "-" {
		return f[i]
	}
	return ""
}

func parseOps(table string) []*Operation {
	var ops []*Operation
	var op *Operation
	for line := range strings.Lines(table) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0][0] {
		case '<', '>':
			flags := field(f, 2)
			loc := field(f, 3)
			if loc == "" {
				loc = "-"
			}
			m := Member{
				Name:             f[0][1:],
				Type:             typeNames[field(f, 1)],
				Location:         locNames[loc],
				LocationName:     field(f, 4),
				Required:         strings.Contains(flags, "R"),
				Sensitive:        strings.Contains(flags, "S"),
				Streaming:        strings.Contains(flags, "T"),
				IdempotencyToken: strings.Contains(flags, "I"),
			}
			if f[0][0] == '<' {
				op.Input = append(op.Input, m)
			} else {
				op.Output = append(op.Output, m)
			}
		default:
			flags := field(f, 3)
			op = &Operation{
				Name: f[0], Method: f[1], URI: f[2],
				ReadOnly:      strings.Contains(flags, "r"),
				Deprecated:    strings.Contains(flags, "d"),
				Payload:       field(f, 4),
				OutputPayload: field(f, 5),
			}
			ops = append(ops, op)
		}
	}
	return ops
}
