package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
)

// ProfileService is the part of the service client that manages profiles.
type ProfileService interface {
	ImportWith(ctx context.Context, req ipc.ImportRequest) (ipc.ImportResponse, error)
	RenameProfile(ctx context.Context, from, to string) error
}

// ImportProfile checks a profile read by the user and sends it to the
// service under name (profile.NameFromPath of its file for a first try),
// replacing a stored one of that name only when replace is set. Parse
// errors carry their line number ("line 7: ..."); the service re-checks
// and its refusal is returned as is (IsNameTaken tells a taken name).
func ImportProfile(ctx context.Context, s ProfileService, name, text string, replace bool) (ipc.ImportResponse, error) {
	if err := profile.ValidName(name); err != nil {
		return ipc.ImportResponse{}, fmt.Errorf("the file name cannot be a profile name: %w", err)
	}
	if _, err := profile.Parse(text); err != nil {
		return ipc.ImportResponse{}, err
	}
	return s.ImportWith(ctx, ipc.ImportRequest{Name: name, Text: text, Replace: replace})
}

// IsNameTaken reports the service refusing an import because a profile of
// that name is stored: the user chooses to replace it or to pick a name.
func IsNameTaken(err error) bool {
	var ae *ipc.APIError
	return errors.As(err, &ae) && ae.Status == http.StatusConflict
}

// freeName suggests a name for a second profile called name: name-2,
// name-3, … whichever is not taken.
func freeName(name string, taken []string) string {
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s-%d", name, i)
		if !slices.Contains(taken, n) {
			return n
		}
	}
}

// RenameProfile renames a profile through the service, which carries its
// "last used" record along.
func RenameProfile(ctx context.Context, s ProfileService, from, to string) error {
	if from == to {
		return nil
	}
	if err := profile.ValidName(to); err != nil {
		return err
	}
	return s.RenameProfile(ctx, from, to)
}
