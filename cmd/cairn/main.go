// Command cairn is a self-hosted audit trail service that speaks the AWS
// CloudTrail API.
//
//	cairn serve   run the service
//	cairn env     print the export lines for a data directory
//	cairn lookup  print event history from a running server
//	cairn validate  validate a trail's digest and log files
//	cairn query   run a CloudTrail Lake query (or SQL over trail log files)
//	cairn lake    check or repair the Lake's rows (server stopped)
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/cairn-audit/cairn/internal/lakeproc"
)

const usage = `usage: cairn <command> [flags]

commands:
  serve    run the service (default 127.0.0.1:4590, data in ./cairn-data)
  env      print the export lines that point AWS clients at a data dir's server
  lookup   print event history (LookupEvents) as a table, JSON or CSV
  validate validate a trail's digest files and log files (like aws cloudtrail validate-logs)
  query    run a CloudTrail Lake query and print its rows; --logs asks trail log files directly
  lake     check or repair the Lake's rows of a stopped server's data dir (lake check|repair)

Run 'cairn <command> -h' for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case lakeproc.ChildCommand: // hidden: the Lake's engine process (see internal/lakeproc)
		os.Exit(lakeproc.ChildMain())
	case "serve":
		err = runServe(os.Args[2:])
	case "env":
		err = runEnv(os.Args[2:], os.Stdout)
	case "lookup":
		err = runLookup(os.Args[2:], os.Stdout)
	case "validate":
		os.Exit(runValidate(os.Args[2:], os.Stdout, os.Stderr))
	case "query":
		err = runQuery(os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
	case "lake":
		if err = runLakeAdmin(os.Args[2:], os.Stdout, os.Stderr); errors.Is(err, errLakeMalformed) {
			os.Exit(1)
		}
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "cairn: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) { // -h: the command printed its flags
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cairn:", err)
		os.Exit(1)
	}
}
