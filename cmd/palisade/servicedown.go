package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// probeFilter looks at the packet filter; the unit tests replace it, so
// that they never depend on this machine's firewall.
var probeFilter = keptblock.Probe

// errServiceDown ends a command whose service did not answer, after what
// that means for the user's connection was printed; blocked selects the
// exit status.
type errServiceDown struct{ blocked bool }

func (e errServiceDown) Error() string { return "the service is not running" }

// keptFinding tells whether Palisade's kill switch still blocks while the
// service does not answer (docs/firewall.md, "When the service is not
// running").
func (c *cli) keptFinding() keptblock.Finding {
	return keptblock.Look(c.ctx, c.stateDir, probeFilter)
}

// serviceDown prints, after a command's failure to reach the service, what
// that means for the connection and the ways out, to w.
func (c *cli) serviceDown(w io.Writer, err error) error {
	f := c.keptFinding()
	if f.Verdict == keptblock.NotBlocked {
		fmt.Fprintf(w, "The Palisade service is not running: %v\nStart it: %s\n", err, keptblock.StartCommand(runtime.GOOS))
	} else {
		fmt.Fprintf(w, "%s: %v\n", f.Headline(), err)
	}
	for _, l := range f.Explain(runtime.GOOS, time.Local) {
		fmt.Fprintln(w, l)
	}
	return errServiceDown{blocked: f.Verdict == keptblock.Blocked}
}

// downStatus is `palisade status --json` while the service is down.
type downStatus struct {
	Service    string            `json:"service"`
	Error      string            `json:"error"`
	Internet   string            `json:"internet"`
	KeptBlock  *keptblock.Record `json:"kept_block,omitempty"`
	ProbeError string            `json:"probe_error,omitempty"`
}

// statusDown is `palisade status` while the service does not answer.
func (c *cli) statusDown(err error, asJSON bool) error {
	if !asJSON {
		return c.serviceDown(c.out, err)
	}
	f := c.keptFinding()
	d := downStatus{Service: "not running", Error: err.Error(), Internet: f.Verdict.String(), KeptBlock: f.Record}
	if f.ProbeErr != nil {
		d.ProbeError = f.ProbeErr.Error()
	}
	if err := printJSON(c.out, d); err != nil {
		return err
	}
	return errServiceDown{blocked: f.Verdict == keptblock.Blocked}
}

// unreachable reports whether err is the service not answering.
func unreachable(err error) bool { return errors.Is(err, ipc.ErrUnreachable) }
