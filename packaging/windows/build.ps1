# Build the SigFollow Desktop bundle and its Inno Setup installer on Windows 10/11 (x64).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs: Python 3.11+ (x64, from python.org or the Microsoft Store; the `py` launcher) and
# Inno Setup 6.3 or newer (ISCC.exe on PATH or in its default folder).
# Writes packaging\out\dist\sigfollow-desktop\ (the bundle) and
# packaging\out\SigFollowDesktop-<version>-setup.exe (the installer).
#
# Code signing (optional, recommended for release): set SIGFOLLOW_SIGN_CERT_SHA1 to the
# thumbprint of an Authenticode code-signing certificate in the certificate store and
# SIGFOLLOW_TIMESTAMP_URL to your certificate authority's RFC 3161 timestamp server; signtool.exe
# (Windows SDK) must be on PATH. Both programs in the bundle, the installer and its uninstaller
# are then signed.
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
$Out = Join-Path $Root "packaging\out"
$Venv = Join-Path $Root ".venv"
$Python = Join-Path $Venv "Scripts\python.exe"
$Bundle = Join-Path $Out "dist\sigfollow-desktop"

function Invoke-Checked {
    # Native programs report failure through their exit code, which PowerShell does not stop on.
    param([string]$What, [scriptblock]$Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

if (-not (Test-Path $Python)) {
    Write-Host "==> creating $Venv"
    Invoke-Checked "creating the virtual environment" { py -3 -m venv $Venv }
}
Write-Host "==> installing SigFollow Desktop and PyInstaller into $Venv"
Invoke-Checked "pip" { & $Python -m pip install --quiet --upgrade pip }
Invoke-Checked "pip" { & $Python -m pip install --quiet -e "$Root[package]" }

Write-Host "==> bundle: PyInstaller"
Invoke-Checked "PyInstaller" {
    & $Python -m PyInstaller --noconfirm --clean --distpath (Join-Path $Out "dist") `
        --workpath (Join-Path $Out "build") (Join-Path $Root "packaging\sigfollow-desktop.spec")
}

Write-Host "==> bundle: --version and --self-test"
$Cli = Join-Path $Bundle "sigfollow-desktop.exe"
Invoke-Checked "sigfollow-desktop --version" { & $Cli --version }
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked "sigfollow-desktop --self-test" { & $Cli --self-test }
Remove-Item Env:\QT_QPA_PLATFORM

$Sign = [bool]$env:SIGFOLLOW_SIGN_CERT_SHA1
if ($Sign) {
    if (-not $env:SIGFOLLOW_TIMESTAMP_URL) { throw "SIGFOLLOW_TIMESTAMP_URL is needed to sign" }
    # The same command as a Sign Tool for ISCC, which signs the installer and the uninstaller:
    # Inno Setup replaces $q by a quote and $f by the quoted name of the file to sign.
    $SignCommand = "signtool.exe sign /sha1 $($env:SIGFOLLOW_SIGN_CERT_SHA1) /fd sha256 " +
        "/tr $($env:SIGFOLLOW_TIMESTAMP_URL) /td sha256 /d `$qSigFollow Desktop`$q `$f"
    Write-Host "==> signing the bundle's programs"
    foreach ($exe in @("SigFollowDesktop.exe", "sigfollow-desktop.exe")) {
        Invoke-Checked "signtool $exe" {
            signtool.exe sign /sha1 $env:SIGFOLLOW_SIGN_CERT_SHA1 /fd sha256 `
                /tr $env:SIGFOLLOW_TIMESTAMP_URL /td sha256 /d "SigFollow Desktop" (Join-Path $Bundle $exe)
        }
    }
}

$IsccCommand = Get-Command iscc.exe -ErrorAction SilentlyContinue
if ($IsccCommand) {
    $Iscc = $IsccCommand.Source
} else {
    $Iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
}
if (-not (Test-Path $Iscc)) { throw "Inno Setup's ISCC.exe was not found; install Inno Setup 6" }

Write-Host "==> installer: Inno Setup"
$Script = Join-Path $Root "packaging\windows\sigfollow-desktop.iss"
if ($Sign) {
    Invoke-Checked "ISCC" { & $Iscc /Q /DSIGN "/Ssigfollow=$SignCommand" $Script }
} else {
    Invoke-Checked "ISCC" { & $Iscc /Q $Script }
}
Get-ChildItem (Join-Path $Out "SigFollowDesktop-*-setup.exe") | ForEach-Object {
    Write-Host ("    {0} ({1:N1} MB)" -f $_.FullName, ($_.Length / 1MB))
}
