package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
	"github.com/cairn-audit/cairn/internal/stream"
)

const lakeAdminHelp = `usage: cairn lake check|repair [flags]

Check or repair the rows of the Lake of a stopped server's data dir
(docs/LAKE.md, "Failed commits, the row check and repair").

  check   check every row (event ID, record length, JSON and its eventID);
          report the malformed ones and exit 1 if any, changing nothing
  repair  move the malformed rows to the quarantine (cairn.quarantine), then
          re-derive the events missing from their stores from the journals
          (events the journals no longer hold stay missing; the quarantine
          records what was dropped and why); --all re-derives what any
          store is missing

flags:
`

// errLakeMalformed makes cairn lake check exit 1 without more output.
var errLakeMalformed = errors.New("the Lake has malformed rows")

// runLakeAdmin runs cairn lake check|repair.
func runLakeAdmin(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("lake", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, lakeAdminHelp); fl.PrintDefaults() }
	data := fl.String("data", DefaultData, "the data dir (its server must be stopped)")
	all := fl.Bool("all", false, "repair: re-derive the events missing from any store and month, not only those rows were quarantined from")
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		fl.Usage()
		return flag.ErrHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fl.Usage()
		return errors.New("cairn lake: check or repair?")
	}
	cmd := args[0]
	if err := fl.Parse(args[1:]); err != nil {
		return err
	}
	if cmd != "check" && cmd != "repair" {
		fl.Usage()
		return fmt.Errorf("cairn lake: unknown command %q", cmd)
	}
	d := dataDir(*data)
	if _, err := os.Stat(d.lake("engine")); err != nil {
		return fmt.Errorf("cairn lake: no Lake in %s: %w", *data, err)
	}
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := lakedb.DefaultOptions()
	opts.Dir, opts.Logger = d.lake("engine"), logger
	open := lakedb.Open
	if cmd == "check" {
		open = lakedb.OpenUnchecked
	}
	l, err := open(opts)
	if err != nil {
		return fmt.Errorf("cairn lake: open %s (is its server stopped?): %w", d.lake("engine"), err)
	}
	defer l.Close()
	rep, err := l.CheckRows(ctx, lakedb.CheckOptions{All: true, Deep: true, Quarantine: cmd == "repair"})
	if err != nil {
		return fmt.Errorf("cairn lake: %w", err)
	}
	fmt.Fprintf(stdout, "checked %d rows in %d partitions in %s: %d malformed\n", rep.Checked, rep.Partitions,
		rep.Took.Round(time.Millisecond), rep.Malformed)
	for _, r := range rep.Rows {
		fmt.Fprintf(stdout, "  store %s eventTime %s eventID %.60q (%d bytes) record %d bytes: %s\n",
			r.Store, r.Time.Format(time.RFC3339), r.EventID, r.IDBytes, r.Bytes, r.Reason)
	}
	if cmd == "check" {
		if rep.Malformed > 0 {
			fmt.Fprintln(stdout, "run `cairn lake repair` (server stopped) to quarantine them and re-derive their events")
			return errLakeMalformed
		}
		return nil
	}
	return repairLake(ctx, d, l, *all, stdout, logger)
}

// repairLake re-derives the events of the stores and months rows were
// quarantined from, from the journals.
// With all, every store and month.
func repairLake(ctx context.Context, d dataDir, l *lakedb.DB, all bool, stdout io.Writer, logger *slog.Logger) error {
	q, err := l.Quarantined(ctx)
	if err != nil {
		return fmt.Errorf("cairn lake: %w", err)
	}
	fmt.Fprintf(stdout, "quarantine: %d rows\n", len(q))
	if len(q) == 0 && !all {
		return nil
	}
	months := map[string]bool{}
	for _, r := range q {
		months[r.Store+" "+r.Time.Format("200601")] = true
		fmt.Fprintf(stdout, "  found %s store %s eventTime %s eventID %.60q: %s\n",
			r.Found.Format(time.RFC3339), r.Store, r.Time.Format(time.RFC3339), r.EventID, r.Reason)
	}
	jopts := journal.DefaultOptions()
	jopts.Logger = logger
	jnl, err := journal.Open(d.journal(), jopts)
	if err != nil {
		return fmt.Errorf("cairn lake: open journal: %w", err)
	}
	defer jnl.Close()
	settled, err := stream.Open(jnl)
	if err != nil {
		return fmt.Errorf("cairn lake: %w", err)
	}
	audit, err := journal.Open(d.auditEvents(), journal.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("cairn lake: open audit event journal: %w", err)
	}
	defer audit.Close()
	auditStream, err := stream.Open(audit)
	if err != nil {
		return fmt.Errorf("cairn lake: audit events: %w", err)
	}
	channels, err := channel.Open(d.channels(), channel.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("cairn lake: open channels: %w", err)
	}
	defer channels.Close()
	stores, err := lake.OpenStores(d.lake("stores"), lake.StoresOptions{AuditDurable: audit.Durable})
	if err != nil {
		return fmt.Errorf("cairn lake: open event data stores: %w", err)
	}
	defer stores.Close()
	res, err := lake.Backfill(ctx, lake.BackfillOptions{Engine: l, Catalog: stores, Journal: settled, Audit: auditStream,
		Channels: lake.ChannelStoreRoutes{Store: channels},
		Want:     func(r lake.Row) bool { return all || months[r.Store+" "+r.Time.UTC().Format("200601")] }})
	if err != nil {
		return fmt.Errorf("cairn lake: %w", err)
	}
	fmt.Fprintf(stdout, "re-derived from the journals: %d events read, %d routed to those stores and months, %d were missing and are stored again\n",
		res.Entries, res.Rows, res.Stored)
	fmt.Fprintln(stdout, "the quarantined rows stay in cairn.quarantine (what was dropped and why)")
	return nil
}
