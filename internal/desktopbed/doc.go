// Package desktopbed is a private desktop for GUI tests and benchmarks: a
// virtual X display (Xvfb, software GL), a private D-Bus session bus, a
// minimal StatusNotifierWatcher the tray registers with, the tray's menu read
// and clicked over com.canonical.dbusmenu, and windows closed the way a
// window manager closes them (WM_DELETE_WINDOW). Nothing here touches the
// machine's own display or session bus.
package desktopbed
