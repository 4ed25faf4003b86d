package lake

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// SampleTable is the table name sample queries use, as AWS samples do:
// replace it with an event data store's ID to run one.
const SampleTable = "$EDS_ID"

// SampleQuery is one built-in sample query (SearchSampleQueries).
type SampleQuery struct {
	Name        string
	Description string
	SQL         string // reads from SampleTable
}

// sampleFiles are the sample queries, one per file, in file-name order.
// Each file starts with `-- Name: ...` and `-- Description: ...` lines (the
// description may go on over more `--` lines); the rest is the SQL.
//
//go:embed samples/*.sql
var sampleFiles embed.FS

// SampleQueries returns the built-in sample queries.
var SampleQueries = sync.OnceValues(loadSamples)

func loadSamples() ([]SampleQuery, error) {
	names, err := fs.Glob(sampleFiles, "samples/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list sample queries: %w", err)
	}
	out := make([]SampleQuery, 0, len(names))
	seen := map[string]bool{}
	for _, name := range names {
		data, err := sampleFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read sample query %s: %w", name, err)
		}
		s, err := parseSample(string(data))
		if err != nil {
			return nil, fmt.Errorf("sample query %s: %w", path.Base(name), err)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("sample query %s: name %q is used twice", path.Base(name), s.Name)
		}
		seen[s.Name] = true
		out = append(out, s)
	}
	return out, nil
}

// parseSample reads one sample file.
func parseSample(text string) (SampleQuery, error) {
	var s SampleQuery
	var desc []string
	lines := strings.Split(text, "\n")
	i := 0
	for ; i < len(lines); i++ {
		line, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "--")
		if !ok {
			break
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "Name:"):
			s.Name = strings.TrimSpace(strings.TrimPrefix(line, "Name:"))
		case strings.HasPrefix(line, "Description:"):
			desc = append(desc, strings.TrimSpace(strings.TrimPrefix(line, "Description:")))
		case len(desc) > 0 && line != "":
			desc = append(desc, line)
		}
	}
	s.Description = strings.Join(desc, " ")
	s.SQL = strings.TrimSpace(strings.Join(lines[i:], "\n"))
	switch {
	case s.Name == "" || s.Description == "":
		return s, fmt.Errorf("it needs -- Name: and -- Description: lines")
	case !strings.Contains(s.SQL, SampleTable):
		return s, fmt.Errorf("its SQL does not read from %s", SampleTable)
	}
	return s, nil
}
