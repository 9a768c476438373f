package main

import (
	"flag"
	"fmt"
)

func (c *cli) logs(args []string) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	follow := fs.Bool("f", false, "follow the log")
	n := fs.Int("n", 100, "how many lines, a number from 1")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *n < 1 {
		return usagef("usage: palisade logs [-f] [-n N] (N at least 1)")
	}
	if *follow {
		return c.client.FollowLogs(c.ctx, *n, func(line string) { fmt.Fprintln(c.out, line) })
	}
	lines, err := c.client.Logs(c.ctx, *n)
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Fprintln(c.out, l)
	}
	return nil
}
