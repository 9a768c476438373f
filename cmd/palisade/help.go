package main

// The longer texts of "palisade help COMMAND". They use the words of the
// settings pane and of docs/ (kill switch, allow LAN, ...) so a user moving
// between the GUI, the CLI and the docs reads one vocabulary.

const connectHelp = `PROFILE is a name from 'palisade profile list'; without one, the profile
used last, or the only one stored (see docs/cli.md). The command returns once the service has started connecting;
--wait waits until the handshake completed (exit 0) or the connection
failed (exit 1), at most --timeout (default 60s).
`

const profileHelp = `  check FILE        validate a wg-quick .conf offline (nothing is sent): print
                    how it will be routed and the profile without its private key
  import FILE       store a profile in the service, named after the file
                    (FILE "-" reads standard input and needs --name)
    --name NAME     store it under NAME: 1 to 64 letters, digits, '.', '_', '-'
    --replace       replace a stored profile of that name (refused otherwise)
  list              the stored profiles; * marks the one used last
  remove NAME       delete a stored profile (not the connected one)
  rename OLD NEW    rename a stored profile (not the connected one); it stays
                    the one used last if it was
  export NAME       print a stored profile, private key included

PostUp/PreUp/PostDown/PreDown and Table lines are kept but never run or
used; see docs/profiles.md.
`

const setHelp = `  killswitch off|auto|always   block traffic outside the tunnel: auto from the
                               first connect until you disconnect, always also
                               while disconnected and from boot, off never
  allow-lan on|off             let the local network through the kill switch
  ipv6 on|off                  give the tunnel the profile's IPv6 addresses
                               (off: IPv6 is blocked, never leaked)
  dns tunnel                   the profile's DNS servers, through the tunnel
  dns custom ADDR...           these servers (IPv4 and IPv6 addresses)
  dns handshake [ADDR...]      Handshake-aware servers (default: built-in ones)
  dns existing                 leave the system's DNS alone (no DNS protection)
  reconnect-on-start on|off    reconnect when the service starts (after a reboot)
                               if it was connected when it stopped
  check-outside on|off         let 'palisade check' ask an outside service which
                               address it sees (off by default: it tells a third party)
  check-url URL                that outside service (http:// or https://)

'palisade settings' shows them all under these names; the split tunnel has
'palisade split'.
`

const checkHelp = `Checks, for IPv4 and IPv6: routes, the kill switch rules, the system DNS
and what the local resolver answers (docs/selfcheck.md). Each item is OK,
WARN, FAIL, TIMEOUT or SKIP; the exit status is 1 when one failed or timed
out.
`

const completionHelp = `Load it for the current shell with, for example:
  source <(palisade completion bash)
  palisade completion fish | source
or write it where the shell looks for completions
(bash: /etc/bash_completion.d/palisade).
`
