package selector

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs of testdata scripts")

// block is one command of a script, with the text before it kept so a
// rewrite reproduces the file.
type block struct {
	pre      string // comment and blank lines before the block
	line     int    // line number of the command
	cmd      string
	input    []string
	expected []string
}

func parseScript(text string) (blocks []block, trailer string, err error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var pre strings.Builder
	for i := 0; i < len(lines); {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			pre.WriteString(l + "\n")
			i++
			continue
		}
		b := block{pre: pre.String(), line: i + 1, cmd: l}
		pre.Reset()
		i++
		for ; i < len(lines) && lines[i] != "----"; i++ {
			b.input = append(b.input, lines[i])
		}
		if i == len(lines) {
			return nil, "", fmt.Errorf("line %d: block has no ---- line", b.line)
		}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			b.expected = append(b.expected, lines[i])
		}
		blocks = append(blocks, b)
	}
	return blocks, pre.String(), nil
}

func formatScript(blocks []block, trailer string) string {
	var sb strings.Builder
	for _, b := range blocks {
		sb.WriteString(b.pre)
		sb.WriteString(b.cmd + "\n")
		for _, l := range b.input {
			sb.WriteString(l + "\n")
		}
		sb.WriteString("----\n")
		for _, l := range b.expected {
			sb.WriteString(l + "\n")
		}
	}
	sb.WriteString(trailer)
	return sb.String()
}

func TestDataDriven(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) { runScript(t, file) })
	}
}

func runScript(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blocks, trailer, err := parseScript(string(data))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	r := &runner{}
	for i := range blocks {
		b := &blocks[i]
		got := r.run(b)
		if *rewrite {
			b.expected = strings.Split(got, "\n")
			continue
		}
		if want := strings.Join(b.expected, "\n"); got != want {
			t.Errorf("%s:%d: %s\n got: %s\nwant: %s", file, b.line, b.cmd, got, want)
		}
	}
	if *rewrite {
		if err := os.WriteFile(file, []byte(formatScript(blocks, trailer)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type runner struct {
	m *Matcher
}

func (r *runner) run(b *block) string {
	args := strings.Fields(b.cmd)
	input := expandMacros(strings.Join(b.input, "\n"))
	switch args[0] {
	case "selectors":
		var s Set
		if err := strictUnmarshal(input, &s); err != nil {
			return "bad input: " + err.Error()
		}
		r.m = nil
		m, err := CompileFor(s, targetArg(args[1:]))
		if err != nil {
			return "error: " + err.Error()
		}
		r.m = m
		return "ok"
	case "event":
		if r.m == nil {
			return "no matcher"
		}
		e, err := parseEvent(args[1:])
		if err != nil {
			return "bad event: " + err.Error()
		}
		if r.m.Match(&e) {
			return "match"
		}
		return "no match"
	case "wants-data":
		return strconv.FormatBool(r.m.WantsData())
	case "validate":
		var err error
		switch {
		case len(args) >= 2 && args[1] == "basic":
			var sel []EventSelector
			if err := strictUnmarshal(input, &sel); err != nil {
				return "bad input: " + err.Error()
			}
			err = ValidateBasic(sel)
		case len(args) >= 2 && args[1] == "advanced":
			var sel []AdvancedEventSelector
			if err := strictUnmarshal(input, &sel); err != nil {
				return "bad input: " + err.Error()
			}
			err = ValidateAdvanced(sel, targetArg(args[2:]))
		default:
			return "unknown validate kind"
		}
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				return fmt.Sprintf("error of type %T: %v", err, err)
			}
			return "error: " + err.Error()
		}
		return "ok"
	}
	return "unknown command " + args[0]
}

func targetArg(args []string) Target {
	if len(args) > 0 && args[0] == "eds" {
		return ForEventDataStore
	}
	return ForTrail
}

func strictUnmarshal(s string, v any) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

var (
	reListMacro   = regexp.MustCompile(`@list\((\d+),([^)]*)\)`)
	reRepeatMacro = regexp.MustCompile(`@repeat\((\d+),([^)]*)\)`)
)

func expandMacros(s string) string {
	s = reListMacro.ReplaceAllStringFunc(s, func(m string) string {
		sub := reListMacro.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[1])
		out := make([]string, n)
		for i := range out {
			out[i] = strconv.Quote(strings.ReplaceAll(sub[2], "%d", strconv.Itoa(i+1)))
		}
		return strings.Join(out, ",")
	})
	return reRepeatMacro.ReplaceAllStringFunc(s, func(m string) string {
		sub := reRepeatMacro.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[1])
		return strconv.Quote(strings.Repeat(sub[2], n))
	})
}

// parseEvent builds an Event from key=value arguments (see doc.go).
func parseEvent(args []string) (Event, error) {
	var e Event
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return e, fmt.Errorf("%q is not key=value", a)
		}
		switch k {
		case "category":
			e.Category = v
		case "source":
			e.EventSource = v
		case "name":
			e.EventName = v
		case "type":
			e.EventType = v
		case "error":
			e.ErrorCode = v
		case "user":
			e.UserARN = v
		case "vpce":
			e.VPCEndpointID = v
		case "console":
			e.SessionCredentialFromConsole = v
		case "ro":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return e, fmt.Errorf("ro=%q: %w", v, err)
			}
			e.ReadOnly = b
		case "res":
			typ, arn, _ := strings.Cut(v, "|")
			e.Resources = append(e.Resources, Resource{Type: typ, ARN: arn})
		default:
			return e, fmt.Errorf("unknown key %q", k)
		}
	}
	return e, nil
}
