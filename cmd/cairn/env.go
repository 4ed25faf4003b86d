package main

import (
	"flag"
	"fmt"
	"io"
)

func runEnv(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("env", flag.ContinueOnError)
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), "usage: cairn env [--data DIR]\n\nPrints the export lines that point AWS clients at the server of a data dir\n(its endpoint and root credentials), as serve printed them at start:\n\n  eval \"$(cairn env)\"\n\nflags:\n")
		fl.PrintDefaults()
	}
	data := fl.String("data", DefaultData, "data directory of the server")
	if err := fl.Parse(args); err != nil {
		return err
	}
	d := dataDir(*data)
	akid, secret, region, err := d.readCredentials()
	if err != nil {
		return fmt.Errorf("%w (has 'cairn serve --data %s' run yet?)", err, *data)
	}
	_, err = io.WriteString(out, exportLines(d.endpointURL(), akid, secret, region))
	return err
}
