package profile

// syncDir does nothing on Windows: directories cannot be opened for
// flushing there, and NTFS journals the rename (MoveFileEx) itself.
func syncDir(dir string) error {
	return nil
}
