package view

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// Reconnection backoff while the service is unreachable.
const (
	minBackoff = time.Second
	maxBackoff = 10 * time.Second
)

// Streamer is the part of the service client that pushes status.
type Streamer interface {
	Watch(ctx context.Context, fn func(ipc.Status)) error
}

// Follow feeds every pushed status to onStatus and reports a broken or
// impossible stream to onDown (as ipc.ErrUnreachable unless the service
// answered with an error), then reconnects with a backoff from 1 s up to
// 10 s, reset by every status received. It returns when ctx ends.
func Follow(ctx context.Context, s Streamer, onStatus func(ipc.Status), onDown func(error)) {
	wait := minBackoff
	for {
		err := s.Watch(ctx, func(st ipc.Status) {
			wait = minBackoff
			onStatus(st)
		})
		if ctx.Err() != nil {
			return
		}
		slog.Info("status stream lost, retrying", "err", err, "in", wait)
		var ae *ipc.APIError
		if !errors.Is(err, ipc.ErrUnreachable) && !errors.As(err, &ae) {
			// A stream cut mid-way means the service went away.
			err = fmt.Errorf("%w: %v", ipc.ErrUnreachable, err)
		}
		onDown(err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}
