package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const queryHelp = `usage: cairn query [flags] 'SELECT ... FROM <event-data-store-id>'
       cairn query --logs s3://bucket[/prefix] [flags] 'SELECT ... FROM logs'

Runs a CloudTrail Lake query on a running Cairn (StartQuery, DescribeQuery
until it ends, GetQueryResults) and prints its rows. With --logs, runs the SQL
over trail log files directly instead, without importing them: the .json.gz
log files under the S3 location are read (through Cairn's S3 API, or
--s3-endpoint) into an in-memory Lake where they are the table "logs".

The statement '-' is read from standard input. Formats: table (aligned
columns), csv (a header line, then RFC 4180 rows) and json (one JSON object
per row: column to string value). While a query runs, its progress is shown
on stderr when stderr is a terminal (or with --progress). A failed query
exits with status 1 and the server's error.

flags:
`

// queryFlags are cairn query's flags.
type queryFlags struct {
	data, endpoint, region string
	format                 string
	maxRows                int
	progress               bool

	logs                                string
	s3Endpoint, s3Region, s3Key, s3Pass string
	parallel                            int
}

func runQuery(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var f queryFlags
	fl := flag.NewFlagSet("query", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, queryHelp)
		fl.PrintDefaults()
	}
	fl.StringVar(&f.data, "data", "", "read endpoint and credentials from this data dir (default: AWS_* environment variables)")
	fl.StringVar(&f.endpoint, "endpoint", "", "server URL (default: $AWS_ENDPOINT_URL, else the data dir's)")
	fl.StringVar(&f.region, "region", "", "region (default: $AWS_DEFAULT_REGION, the data dir's, or us-east-1)")
	fl.StringVar(&f.format, "format", formatTable, "output: table, csv or json")
	fl.IntVar(&f.maxRows, "max-rows", 0, "print at most this many rows (0 = all)")
	fl.BoolVar(&f.progress, "progress", false, "report progress on stderr (default: when stderr is a terminal)")
	fl.StringVar(&f.logs, "logs", "", "query the trail log files under this s3://bucket[/prefix] as the table logs, instead of the server's event data stores")
	fl.StringVar(&f.s3Endpoint, "s3-endpoint", "", "with --logs: read the bucket from this S3-compatible endpoint (default: the Cairn server's embedded buckets)")
	fl.StringVar(&f.s3Region, "s3-region", "", "with --logs: signing region for the S3 endpoint")
	fl.StringVar(&f.s3Key, "s3-access-key-id", "", "with --s3-endpoint: access key (default $CAIRN_S3_ACCESS_KEY_ID)")
	fl.StringVar(&f.s3Pass, "s3-secret-access-key", "", "with --s3-endpoint: secret key (default $CAIRN_S3_SECRET_ACCESS_KEY)")
	fl.IntVar(&f.parallel, "parallel", defaultLogReaders, "with --logs: log files read at once")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return errors.New("give the SQL statement as the one argument")
	}
	if f.maxRows < 0 {
		return errors.New("--max-rows must not be negative")
	}
	sql, err := queryStatement(fl.Arg(0), stdin)
	if err != nil {
		return err
	}
	w, err := newResultWriter(f.format, stdout)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p := &queryProgress{w: stderr, tty: isTerminal(stderr)}
	p.on = f.progress || p.tty
	defer p.clear()
	if f.logs != "" {
		return queryLogs(ctx, f, sql, w, stderr, p)
	}
	client, err := lookupClient(f.data, f.endpoint, f.region)
	if err != nil {
		return err
	}
	return queryServer(ctx, client, sql, f.maxRows, w, p)
}

// queryStatement is the statement argument, or standard input for "-".
func queryStatement(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", fmt.Errorf("read the statement from standard input: %w", err)
	}
	return string(b), nil
}
