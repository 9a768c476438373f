package firewall

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// pf keeps every state it created, even when the rule that allowed it is
// gone ("pf retains approved connections forever", as Mullvad puts it), so
// a stricter policy must flush states or old connections keep flowing
// around the kill switch. Flushing is safe for what the new policy still
// allows: every pass matches any TCP flags, so the next packet of such a
// connection creates its state again.

// pfNeedsFlush reports whether applying next after prev (prevApplied false:
// nothing of ours was loaded) may leave states that next no longer allows:
// next blocks something prev did not, or prev accepted something that next
// no longer accepts and next ends in a block of everything else (without
// one, what no rule matches passes anyway).
func pfNeedsFlush(prev Policy, prevApplied bool, next Policy) bool {
	if !prevApplied {
		prev = Policy{}
	}
	for _, c := range []struct{ old, new []Rule }{
		{prev.Output, next.Output}, {prev.Input, next.Input}, {prev.Forward, next.Forward},
	} {
		for _, r := range c.new {
			if r.Action != Accept && !containsRule(c.old, r) {
				return true
			}
		}
		if !slices.ContainsFunc(c.new, blocksRest) {
			continue
		}
		for _, r := range c.old {
			if r.Action == Accept && !containsRule(c.new, r) {
				return true
			}
		}
	}
	return false
}

// blocksRest reports whether r blocks every packet that reaches it.
func blocksRest(r Rule) bool {
	return r.Action != Accept && reflect.DeepEqual(r, Rule{Action: r.Action, Reason: r.Reason})
}

func containsRule(rs []Rule, r Rule) bool {
	for _, x := range rs {
		if reflect.DeepEqual(x, r) {
			return true
		}
	}
	return false
}

var (
	pfStatusRE      = regexp.MustCompile(`(?m)^Status:\s*(\w+)`)
	pfAppleAnchorRE = regexp.MustCompile(`(?m)^anchor "com\.apple/\*"`)
	pfAppleScrubRE  = regexp.MustCompile(`(?m)^scrub-anchor "com\.apple/\*"`)
)

// pfHealth checks what the anchor depends on but does not control: pf must
// be enabled (`pfctl -s info`), and the main ruleset (`pfctl -s rules`) must
// evaluate "com.apple/*", or the anchor is loaded yet never consulted (a
// custom /etc/pf.conf without Apple's anchors), and its scrub rules, or
// fragments reach the rules unassembled (pfScrub). It returns one line per
// problem.
func pfHealth(info, mainRules string) []string {
	var probs []string
	if !pfEnabled(info) {
		probs = append(probs, "pf is not enabled: the kill switch rules are loaded but not enforced")
	}
	if !pfAppleAnchorRE.MatchString(mainRules) {
		probs = append(probs, `the main pf ruleset does not evaluate "com.apple/*": the kill switch anchor is never consulted (restore Apple's anchors in /etc/pf.conf and run pfctl -f /etc/pf.conf)`)
	}
	if !pfAppleScrubRE.MatchString(mainRules) {
		probs = append(probs, `the main pf ruleset has no scrub-anchor "com.apple/*": fragments are not reassembled, so fragmented packets from the VPN server or a name server are dropped while the kill switch blocks (restore Apple's anchors in /etc/pf.conf and run pfctl -f /etc/pf.conf)`)
	}
	return probs
}

// pfEnabled reads pf's status from `pfctl -s info`.
func pfEnabled(info string) bool {
	m := pfStatusRE.FindStringSubmatch(info)
	return m != nil && strings.EqualFold(m[1], "Enabled")
}
