package firewall

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// pfctlWaitDelay bounds how long a pfctl killed at its context's end is
// waited for (its output pipe, should a child of it hold that open).
const pfctlWaitDelay = time.Second

// pfctl runs pfctl and returns its combined output; pfctl reports tokens
// and warnings on stderr. It is killed when ctx ends. (OS-free so the
// kill is tested where pf is not.)
func pfctl(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "pfctl", args...)
	cmd.WaitDelay = pfctlWaitDelay
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return "", fmt.Errorf("pfctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}
