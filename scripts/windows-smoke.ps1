# Privileged smoke test of the Windows MSI on a GitHub Actions runner
# (administrator), run by .github/workflows/windows.yml. It installs the MSI,
# connects palisaded to a WireGuard peer on this runner (the official
# WireGuard for Windows as the server, endpoint on loopback), checks the
# WFP filters and DNS. With kill switch "auto" it then restarts the service
# after prepare-restart and upgrades to UpgradeMsi while probing both
# families and DNS outside the tunnel (nothing may get out, the block
# stays persistent while the service is down and is static again after),
# checks the boot-time filters of kill switch "always" and the toasts'
# app ID, then uninstalls and checks that no WFP object of Palisade is left
# and the network still works.
param([Parameter(Mandatory = $true)][string]$Msi, [Parameter(Mandatory = $true)][string]$UpgradeMsi)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$work = Join-Path $env:RUNNER_TEMP 'palisade-smoke'
New-Item -ItemType Directory -Force $work | Out-Null
$wg = 'C:\Program Files\WireGuard\wg.exe'
$wireguard = 'C:\Program Files\WireGuard\wireguard.exe'
$cli = 'C:\Program Files\Palisade\palisade.exe'
$palisaded = 'C:\Program Files\Palisade\palisaded.exe'

function Fail([string]$msg) {
  Write-Host "::error::$msg"
  Get-Content -ErrorAction SilentlyContinue "$env:ProgramData\Palisade\palisaded.log" | Select-Object -Last 80
  exit 1
}

function Wait-For([string]$what, [scriptblock]$cond, [int]$seconds = 60) {
  $deadline = (Get-Date).AddSeconds($seconds)
  while (-not (& $cond)) {
    if ((Get-Date) -gt $deadline) { Fail "timed out after $seconds s waiting for $what" }
    Start-Sleep -Milliseconds 500
  }
}

# WFP objects of our provider, from netsh's XML dump (the provider key is
# fixed in firewall/wfp_windows.go).
$provider = '{70616c69-7361-6465-6b69-6c6c73770001}'
function Get-PalisadeWfp {
  $xml = Join-Path $work 'wfp.xml'
  netsh wfp show filters file=$xml | Out-Null
  $f = @(Select-String -Path $xml -SimpleMatch -Pattern $provider)
  netsh wfp show state file=$xml | Out-Null
  $s = @(Select-String -Path $xml -SimpleMatch -Pattern $provider)
  return $f.Count + $s.Count
}

# Our filters by lifetime, as `palisade firewall show` lists them
# (key, lifetime, name; firewall/wfpinspect.go wfpShowLine).
function Get-FilterLifetimes {
  $show = & $cli firewall show | Out-String
  if ($LASTEXITCODE) { Fail 'palisade firewall show' }
  $count = @{ static = 0; persistent = 0; 'boot-time' = 0 }
  foreach ($m in [regex]::Matches($show, '(?m)^\{[0-9A-Fa-f-]+\} (static|persistent|boot-time)')) { $count[$m.Groups[1].Value]++ }
  return $count
}

function Get-State { (& $cli status --json | Out-String | ConvertFrom-Json) }

# A background job probing what the kill switch must stop: TCP to public
# addresses of both families and DNS to a public resolver, outside the
# tunnel, until $stop exists (bounded at 10 minutes). Any answer is a leak.
$stop = Join-Path $work 'probe.stop'
function Start-LeakProbe {
  Remove-Item -ErrorAction SilentlyContinue $stop
  Start-Job -ArgumentList $stop -ScriptBlock {
    param($stop)
    $leaks = @(); $tries = 0
    $deadline = (Get-Date).AddMinutes(10)
    while ((Get-Date) -lt $deadline -and -not (Test-Path $stop)) {
      foreach ($dst in '9.9.9.9', '2620:fe::fe') {
        $c = New-Object System.Net.Sockets.TcpClient([System.Net.IPAddress]::Parse($dst).AddressFamily)
        try { if ($c.ConnectAsync($dst, 443).Wait(500) -and $c.Connected) { $leaks += "tcp $dst" } } catch { }
        finally { $c.Dispose() }
      }
      if (Resolve-DnsName -Name example.org -Server 8.8.8.8 -DnsOnly -QuickTimeout -ErrorAction SilentlyContinue) { $leaks += 'dns 8.8.8.8' }
      $tries++
    }
    [pscustomobject]@{ Leaks = $leaks; Tries = $tries }
  }
}
function Stop-LeakProbe($job, [string]$what) {
  New-Item -ItemType File -Force $stop | Out-Null
  if (-not (Wait-Job $job -Timeout 60)) { Fail "the leak probe did not stop ($what)" }
  $r = Receive-Job $job | Select-Object -Last 1
  if (-not $r -or $r.Tries -lt 2) { Fail "the leak probe did not run ($what)" }
  $leaks = @($r.Leaks)
  if ($leaks.Count) { Fail "$what let traffic out of the kill switch: $($leaks -join ', ')" }
  Write-Host "$what`: no leak in $($r.Tries) probe rounds"
}

# The probe is only worth something if this runner reaches the internet.
$c = New-Object System.Net.Sockets.TcpClient
$reached = $false
try { $reached = $c.ConnectAsync('9.9.9.9', 443).Wait(5000) -and $c.Connected } catch { } finally { $c.Dispose() }
if (-not $reached) { Fail 'this runner cannot reach 9.9.9.9:443 before Palisade: the leak probes would prove nothing' }

# 1. Install.
$p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList @('/i', "`"$Msi`"", '/qn', '/l*v', "`"$work\install.log`"")
if ($p.ExitCode -ne 0) { Get-Content "$work\install.log" | Select-Object -Last 60; Fail "msiexec /i exited $($p.ExitCode)" }
foreach ($f in 'palisaded.exe', 'palisade.exe', 'palisade-gui.exe', 'palisade-window.exe', 'wintun.dll') {
  if (-not (Test-Path "C:\Program Files\Palisade\$f")) { Fail "$f not installed" }
}
Wait-For 'the palisaded service to run' { (Get-Service palisaded).Status -eq 'Running' }
Wait-For 'the service to answer' { & $cli status *> $null; $LASTEXITCODE -eq 0 }
# Its own SCM handler accepts PRESHUTDOWN, so a kept block is written at
# shutdown while BFE still runs (internal/scm).
$q = (& sc.exe query palisaded) -join "`n"
if ($q -notmatch 'ACCEPTS_PRESHUTDOWN') { Fail "palisaded does not accept PRESHUTDOWN:`n$q" }

# 2. A WireGuard peer on this runner.
$serverKey = & $wg genkey
$serverPub = $serverKey | & $wg pubkey
$clientKey = & $wg genkey
$clientPub = $clientKey | & $wg pubkey
@"
[Interface]
PrivateKey = $serverKey
Address = 10.99.0.1/24, fd99::1/64
ListenPort = 51820

[Peer]
PublicKey = $clientPub
AllowedIPs = 10.99.0.2/32, fd99::2/128
"@ | Set-Content -Encoding ascii "$work\wgsmoke.conf"
& $wireguard /installtunnelservice "$work\wgsmoke.conf"
Wait-For 'the peer tunnel' { (Get-Service 'WireGuardTunnel$wgsmoke' -ErrorAction SilentlyContinue).Status -eq 'Running' }

@"
[Interface]
PrivateKey = $clientKey
Address = 10.99.0.2/32, fd99::2/128
DNS = 1.1.1.1

[Peer]
PublicKey = $serverPub
AllowedIPs = 10.99.0.0/24, fd99::/64
Endpoint = 127.0.0.1:51820
PersistentKeepalive = 5
"@ | Set-Content -Encoding ascii "$work\smoke.conf"

# 3. Connect with the kill switch engaged and check WFP, tunnel and DNS.
& $cli profile import "$work\smoke.conf" --name smoke; if ($LASTEXITCODE) { Fail 'profile import' }
& $cli set killswitch always; if ($LASTEXITCODE) { Fail 'set killswitch' }
& $cli connect smoke --wait --timeout 60s; if ($LASTEXITCODE) { Fail 'connect' }
& $cli status
if ((Get-PalisadeWfp) -eq 0) { Fail 'no Palisade WFP objects while connected with kill switch always' }
& $cli firewall show
ping -n 2 10.99.0.1; if ($LASTEXITCODE) { Fail 'no IPv4 through the tunnel' }
ping -6 -n 2 fd99::1; if ($LASTEXITCODE) { Fail 'no IPv6 through the tunnel' }
# The peer's tunnel addresses are local to this runner, so the pings above
# never cross Wintun; addresses in AllowedIPs that nobody holds do. Two
# echo requests grow the tunnel's sent bytes by well over 200 (a keepalive
# is 32); the status is polled, bounded, until it shows them.
function Get-TxBytes { [uint64]((& $cli status --json | Out-String | ConvertFrom-Json).tx_bytes) }
foreach ($dst in '10.99.0.77', 'fd99::77') {
  $tx = Get-TxBytes
  ping -n 2 -w 1000 $dst | Out-Null
  Wait-For "bytes sent through the tunnel to $dst" { (Get-TxBytes) -ge ($tx + 200) } 10
}
$answer = Resolve-DnsName -Name example.com -Server 127.80.73.65 -DnsOnly -ErrorAction SilentlyContinue
if (-not $answer) { Fail 'the local resolver did not answer' }
$leak = Resolve-DnsName -Name example.org -Server 8.8.8.8 -DnsOnly -QuickTimeout -ErrorAction SilentlyContinue
if ($leak) { Fail 'DNS to 8.8.8.8 outside the tunnel was answered while the kill switch is engaged' }

$n = Get-FilterLifetimes
if ($n['boot-time'] -eq 0 -or $n.persistent -eq 0 -or $n.static -ne 0) { Fail "kill switch always: filters by lifetime $($n | ConvertTo-Json -Compress), want persistent and boot-time ones only" }

# 4. The toasts' app ID is registered with a name and an icon that exists.
$aumid = Get-ItemProperty -ErrorAction SilentlyContinue 'HKLM:\Software\Classes\AppUserModelId\com.palisadevpn.palisade'
if (-not $aumid -or $aumid.DisplayName -ne 'Palisade' -or -not (Test-Path $aumid.IconUri)) { Fail 'the toasts app ID is not registered with a name and an existing icon' }

# 5. Kill switch auto, connected (armed): a restart after prepare-restart
# keeps the block, persistent while the service is down; the new process
# takes it over as static filters and reconnects.
& $cli set killswitch auto; if ($LASTEXITCODE) { Fail 'set killswitch auto' }
Wait-For 'the auto policy' { $n = Get-FilterLifetimes; $n.static -gt 0 -and $n.persistent -eq 0 -and $n['boot-time'] -eq 0 }
if (-not (Get-State).kill_switch_engaged) { Fail 'kill switch auto not engaged while connected' }
$job = Start-LeakProbe
& $palisaded prepare-restart; if ($LASTEXITCODE) { Fail 'palisaded prepare-restart' }
Stop-Service palisaded
# With the service gone, our filters must be persistent ones (static ones
# would be lost with BFE or a reboot before the new process starts).
$xml = Join-Path $work 'stopped.xml'
netsh wfp show filters file=$xml | Out-Null
$items = ([xml](Get-Content -Raw $xml)).SelectNodes('//filters/item')
$ours = @($items | Where-Object { $k = $_.SelectSingleNode('providerKey'); $k -and $k.InnerText -ieq $provider })
# (netsh may list the boot-time copies too; those count as kept.)
function Get-FilterFlags($item) { $f = $item.SelectSingleNode('flags'); if ($f) { $f.InnerText } else { '' } }
$persistent = @($ours | Where-Object { (Get-FilterFlags $_) -match 'FWPM_FILTER_FLAG_PERSISTENT' })
$kept = @($ours | Where-Object { (Get-FilterFlags $_) -match 'FWPM_FILTER_FLAG_(PERSISTENT|BOOTTIME)' })
if ($persistent.Count -eq 0 -or $kept.Count -ne $ours.Count) { Fail "after prepare-restart and the stop: $($persistent.Count) persistent and $($kept.Count - $persistent.Count) boot-time of $($ours.Count) Palisade filters, want all kept (and some persistent)" }
Start-Sleep -Seconds 3  # the block alone, no service, while the probe runs
Start-Service palisaded
Wait-For 'the reconnect after the restart' { (Get-State).state -eq 'connected' } 90
Stop-LeakProbe $job 'the service restart after prepare-restart'
$n = Get-FilterLifetimes
if ($n.persistent -ne 0 -or $n['boot-time'] -ne 0) { Fail "after the restart: filters by lifetime $($n | ConvertTo-Json -Compress), the new process did not replace the persistent block" }

# 6. The same through an MSI upgrade (the old package's removal runs
# prepare-restart before it stops the service).
$job = Start-LeakProbe
$p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList @('/i', "`"$UpgradeMsi`"", '/qn', '/l*v', "`"$work\upgrade.log`"")
if ($p.ExitCode -ne 0) { Get-Content "$work\upgrade.log" | Select-Object -Last 60; Fail "msiexec upgrade exited $($p.ExitCode)" }
Select-String -SimpleMatch -Path "$work\upgrade.log" -Pattern 'PrepareRestart' | Select-Object -First 5
Wait-For 'the reconnect after the upgrade' { (Get-State).state -eq 'connected' } 90
Stop-LeakProbe $job 'the MSI upgrade'
$entries = @(Get-ChildItem 'HKLM:\Software\Microsoft\Windows\CurrentVersion\Uninstall' | ForEach-Object { Get-ItemProperty $_.PSPath } |
    Where-Object { $_.PSObject.Properties['DisplayName'] -and $_.DisplayName -eq 'Palisade' })
if ($entries.Count -ne 1 -or $entries[0].DisplayVersion -ne '0.1.1') { Fail "installed after the upgrade: $($entries | ForEach-Object { $_.DisplayVersion }), want 0.1.1 alone" }
& $cli set killswitch always; if ($LASTEXITCODE) { Fail 'set killswitch always' }

# 7. Uninstall with kill switch "always": nothing of Palisade may remain.
$p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList @('/x', "`"$UpgradeMsi`"", '/qn', '/l*v', "`"$work\uninstall.log`"")
if ($p.ExitCode -ne 0) { Get-Content "$work\uninstall.log" | Select-Object -Last 60; Fail "msiexec /x exited $($p.ExitCode)" }
if (Get-Service palisaded -ErrorAction SilentlyContinue) { Fail 'the service is still registered' }
$left = Get-PalisadeWfp
if ($left -ne 0) { Fail "$left Palisade WFP objects left after uninstall" }
if (Test-Path "$env:ProgramData\Palisade\routes.json") { Fail 'journaled routes left after uninstall' }
if (-not (Resolve-DnsName -Name example.com -DnsOnly -ErrorAction SilentlyContinue)) { Fail 'no DNS after uninstall: the PC is offline' }
if (Test-Path 'HKLM:\Software\Classes\AppUserModelId\com.palisadevpn.palisade') { Fail 'the toasts app ID is still registered after uninstall' }
& $wireguard /uninstalltunnelservice wgsmoke
Write-Host 'windows smoke test passed'
