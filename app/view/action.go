package view

import (
	"context"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// RequestTimeout bounds every request the GUI makes to the service.
const RequestTimeout = 15 * time.Second

// ActionCall is the service request behind a tray or window action:
// connect (to profile, or the one the service picks when ""), or
// disconnect; nil for any other action.
func ActionCall(c *ipc.Client, a Action, profile string) func(context.Context) error {
	switch a {
	case ActionConnect:
		return func(ctx context.Context) error { return c.Connect(ctx, profile) }
	case ActionDisconnect:
		return func(ctx context.Context) error { return c.Disconnect(ctx) }
	}
	return nil
}
