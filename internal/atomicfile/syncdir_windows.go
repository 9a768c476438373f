package atomicfile

// SyncDir does nothing on Windows: directories cannot be opened for
// flushing there, and NTFS journals the rename (MoveFileEx) itself.
func SyncDir(dir string) error {
	return nil
}
