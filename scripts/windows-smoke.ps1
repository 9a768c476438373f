# Privileged smoke test of the Windows MSI on a GitHub Actions runner
# (administrator), run by .github/workflows/windows.yml. It installs the MSI,
# connects palisaded to a WireGuard peer on this runner (the official
# WireGuard for Windows as the server, endpoint on loopback), checks the
# WFP filters and DNS, then uninstalls with kill switch "always" and checks
# that no WFP object of Palisade is left and the network still works.
param([Parameter(Mandatory = $true)][string]$Msi)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$work = Join-Path $env:RUNNER_TEMP 'palisade-smoke'
New-Item -ItemType Directory -Force $work | Out-Null
$wg = 'C:\Program Files\WireGuard\wg.exe'
$wireguard = 'C:\Program Files\WireGuard\wireguard.exe'
$cli = 'C:\Program Files\Palisade\palisade.exe'

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

# 1. Install.
$p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList @('/i', "`"$Msi`"", '/qn', '/l*v', "`"$work\install.log`"")
if ($p.ExitCode -ne 0) { Get-Content "$work\install.log" | Select-Object -Last 60; Fail "msiexec /i exited $($p.ExitCode)" }
foreach ($f in 'palisaded.exe', 'palisade.exe', 'palisade-gui.exe', 'wintun.dll') {
  if (-not (Test-Path "C:\Program Files\Palisade\$f")) { Fail "$f not installed" }
}
Wait-For 'the palisaded service to run' { (Get-Service palisaded).Status -eq 'Running' }
Wait-For 'the service to answer' { & $cli status *> $null; $LASTEXITCODE -eq 0 }

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

# 4. Uninstall with kill switch "always": nothing of Palisade may remain.
$p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList @('/x', "`"$Msi`"", '/qn', '/l*v', "`"$work\uninstall.log`"")
if ($p.ExitCode -ne 0) { Get-Content "$work\uninstall.log" | Select-Object -Last 60; Fail "msiexec /x exited $($p.ExitCode)" }
if (Get-Service palisaded -ErrorAction SilentlyContinue) { Fail 'the service is still registered' }
$left = Get-PalisadeWfp
if ($left -ne 0) { Fail "$left Palisade WFP objects left after uninstall" }
if (Test-Path "$env:ProgramData\Palisade\routes.json") { Fail 'journaled routes left after uninstall' }
if (-not (Resolve-DnsName -Name example.com -DnsOnly -ErrorAction SilentlyContinue)) { Fail 'no DNS after uninstall: the PC is offline' }
& $wireguard /uninstalltunnelservice wgsmoke
Write-Host 'windows smoke test passed'
