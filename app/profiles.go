package app

import (
	"context"
	"fmt"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
)

// ProfileService is the part of the service client that manages profiles.
type ProfileService interface {
	Import(ctx context.Context, name, text string) (ipc.ImportResponse, error)
	Export(ctx context.Context, name string) (ipc.ExportResponse, error)
	RemoveProfile(ctx context.Context, name string) error
}

// ImportProfile checks a profile read by the user from path and sends it to
// the service under the file's name. Parse errors carry their line number
// ("line 7: ..."); the service re-checks and its refusal is returned as is.
func ImportProfile(ctx context.Context, s ProfileService, path, text string) (ipc.ImportResponse, error) {
	name := profile.NameFromPath(path)
	if err := profile.ValidName(name); err != nil {
		return ipc.ImportResponse{}, fmt.Errorf("the file name cannot be a profile name: %w", err)
	}
	if _, err := profile.Parse(text); err != nil {
		return ipc.ImportResponse{}, err
	}
	return s.Import(ctx, name, text)
}

// RenameProfile renames a profile. The API has no rename, so it exports the
// profile, imports the text under the new name and then removes the old one.
// The import comes first so that a failure never loses the profile; if only
// the removal fails, both names exist and the error says so.
func RenameProfile(ctx context.Context, s ProfileService, from, to string) error {
	if from == to {
		return nil
	}
	if err := profile.ValidName(to); err != nil {
		return err
	}
	exp, err := s.Export(ctx, from)
	if err != nil {
		return err
	}
	if _, err := s.Import(ctx, to, exp.Text); err != nil {
		return err
	}
	if err := s.RemoveProfile(ctx, from); err != nil {
		return fmt.Errorf("copied to %q but could not remove %q: %w", to, from, err)
	}
	return nil
}
