package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/palisadevpn/palisade/service/ipc"
)

// errCheckFailed makes `palisade check` exit 1 when an item failed, so
// scripts can act on a leak; errCheckUnverified when an item could not be
// verified in time, which may hide one.
var (
	errCheckFailed     = errors.New("the self-check found a problem (see the items marked FAIL)")
	errCheckUnverified = errors.New("the self-check could not verify everything in time (see the items marked TIMEOUT); run it again")
)

func (c *cli) check(args []string) error {
	asJSON, err := boolFlagOnly("check", "json", args)
	if err != nil {
		return err
	}
	r, err := c.client.Check(c.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		err = printJSON(c.out, r)
	} else {
		printCheck(c.out, r)
	}
	if err == nil {
		switch r.Worst() {
		case ipc.CheckFail:
			err = errCheckFailed
		case ipc.CheckTimeout:
			err = errCheckUnverified
		}
	}
	return err
}

// printCheck writes one line per item: its verdict, its title and the
// sentence explaining it.
func printCheck(w io.Writer, r ipc.CheckReport) {
	fmt.Fprintf(w, "self-check at %s (%s)\n", r.Time.Format("2006-01-02 15:04:05"), r.State)
	width := 0
	for _, it := range r.Items {
		width = max(width, len(it.Title))
	}
	for _, it := range r.Items {
		fmt.Fprintf(w, "%-7s  %-*s  %s\n", strings.ToUpper(string(it.Status)), width, it.Title, it.Detail)
	}
}
