package main

import (
	"flag"
	"fmt"
	"io"
)

func runEnv(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("env", flag.ContinueOnError)
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
