package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// queryProgress reports progress on stderr: rewritten in place on a
// terminal, otherwise (with --progress) a line at most every
// progressInterval.
type queryProgress struct {
	w       io.Writer
	tty, on bool
	printed bool
	last    time.Time
}

// progressInterval spaces progress lines when stderr is not a terminal.
const progressInterval = 2 * time.Second

func (p *queryProgress) show(line string) {
	if !p.on {
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.printed = true
		return
	}
	if now := time.Now(); now.Sub(p.last) >= progressInterval {
		fmt.Fprintln(p.w, line)
		p.last = now
	}
}

// clear removes the progress line from a terminal.
func (p *queryProgress) clear() {
	if p.tty && p.printed {
		fmt.Fprint(p.w, "\r\033[K")
		p.printed = false
	}
}

// groupDigits writes n with thousands separators.
func groupDigits(n int64) string {
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
