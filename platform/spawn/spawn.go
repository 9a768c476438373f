// Package spawn starts the programs palisaded runs itself (resolvconf) so
// that the service never waits on its own split-tunnel exec watch.
//
// On Linux exec.Cmd.Start vforks: the starting thread stays in the kernel,
// its signals blocked, until the child's exec is done. When the program (or
// its script's interpreter) is on the split-tunnel list, that exec waits
// for the watch's answer, which a goroutine of palisaded itself gives. A
// garbage collection starting meanwhile stops every goroutine and waits for
// the starting thread, which waits for the answer: palisaded froze for
// good, with the kill switch engaged. So palisaded starts programs through
// a copy of itself (UseSelf, Helper): its own file is never watched, so
// that vfork ends at once, and the copy replaces itself with the program
// by a plain exec, which waits for the watch on its own while palisaded
// runs on. A user may list any program, a shell included, so no list of
// "safe" programs would do.
package spawn

// HelperArg, as a process's first argument, makes it a helper: Helper
// replaces the process with the program its further arguments name.
const HelperArg = "__palisade-spawn"
