#!/usr/bin/env bash
# Build "SigFollow Desktop.app" and a .dmg on macOS 11 or newer; sign and notarize them when
# the credentials are given.
#
#   packaging/macos/build.sh [OUT]          (default OUT packaging/out)
#
# Needs: Python 3.11+ (python.org universal2 or Homebrew) and the Xcode command line tools
# (codesign, hdiutil, xcrun). Writes OUT/dist/SigFollow Desktop.app and
# OUT/SigFollowDesktop-<version>.dmg. The app's Info.plist and icon come from the PyInstaller
# spec (packaging/sigfollow-desktop.spec), its version from sigfollow_desktop/__init__.py.
#
# Environment:
#   SIGFOLLOW_CODESIGN_IDENTITY  "Developer ID Application: NAME (TEAMID)" from your login
#                                keychain. Unset: the app is signed ad hoc and runs only on
#                                the Mac that built it.
#   SIGFOLLOW_NOTARY_PROFILE     a notarytool keychain profile, made once with
#                                `xcrun notarytool store-credentials PROFILE --apple-id ...
#                                --team-id TEAMID` (asks for an app-specific password).
#                                Set: the .dmg is notarized and the ticket stapled to it.
#   SIGFOLLOW_PYTHON             the Python to build with (default: ./.venv, created if missing)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/packaging/out}" && cd "${1:-$ROOT/packaging/out}" && pwd)
APP_NAME="SigFollow Desktop"
IDENTITY=${SIGFOLLOW_CODESIGN_IDENTITY:-}
PROFILE=${SIGFOLLOW_NOTARY_PROFILE:-}

fail() {
  echo "build.sh: $*" >&2
  exit 1
}

[[ $(uname -s) == Darwin ]] || fail "this script runs on macOS; on Linux use packaging/linux/build.sh"
for tool in codesign hdiutil xcrun ditto; do
  command -v "$tool" >/dev/null || fail "$tool is missing; install the Xcode command line tools (xcode-select --install)"
done
[[ -z $PROFILE || -n $IDENTITY ]] || fail "notarization needs a Developer ID signature: set SIGFOLLOW_CODESIGN_IDENTITY too"

if [[ -n ${SIGFOLLOW_PYTHON:-} ]]; then
  PY=$SIGFOLLOW_PYTHON
else
  PY="$ROOT/.venv/bin/python"
  [[ -x $PY ]] || python3 -m venv "$ROOT/.venv"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet -e "${ROOT}[package]"
fi
VERSION=$("$PY" -c 'import runpy, sys; print(runpy.run_path(sys.argv[1])["__version__"])' \
  "$ROOT/sigfollow_desktop/__init__.py")

echo "==> app: PyInstaller, version $VERSION${IDENTITY:+, signed by $IDENTITY}"
# The spec reads SIGFOLLOW_CODESIGN_IDENTITY: PyInstaller then signs every binary and the .app
# with the hardened runtime (--options=runtime) and a secure timestamp.
SIGFOLLOW_CODESIGN_IDENTITY=$IDENTITY "$PY" -m PyInstaller --noconfirm --clean \
  --distpath "$OUT/dist" --workpath "$OUT/build" "$ROOT/packaging/sigfollow-desktop.spec"
APP="$OUT/dist/$APP_NAME.app"
EXE="$APP/Contents/MacOS/sigfollow-desktop"
[[ -x $EXE ]] || fail "PyInstaller made no $EXE"

echo "==> app: signature"
codesign --verify --deep --strict --verbose=2 "$APP"
if [[ -n $IDENTITY ]]; then
  codesign --display --verbose=2 "$APP" 2>&1 | grep -E '^(Authority|TeamIdentifier|Runtime Version|Timestamp)='
  codesign --display --verbose=2 "$APP" 2>&1 | grep -q 'flags=.*runtime' ||
    fail "the app is signed without the hardened runtime; notarization would refuse it"
fi

echo "==> app: --version and --self-test"
[[ $("$EXE" --version) == "sigfollow-desktop $VERSION" ]] || fail "--version does not print $VERSION"
QT_QPA_PLATFORM=offscreen "$EXE" --self-test

DMG="$OUT/SigFollowDesktop-$VERSION.dmg"
echo "==> dmg: $DMG"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
# ditto keeps the bundle's symbolic links, extended attributes and signatures intact.
ditto "$APP" "$STAGE/$APP_NAME.app"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "$APP_NAME $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
if [[ -n $IDENTITY ]]; then
  codesign --sign "$IDENTITY" --timestamp "$DMG"
  codesign --verify --verbose=2 "$DMG"
fi

if [[ -n $PROFILE ]]; then
  echo "==> dmg: notarization (this waits for Apple's answer)"
  result=$(xcrun notarytool submit "$DMG" --keychain-profile "$PROFILE" --wait --output-format json)
  echo "$result"
  if ! grep -Eq '"status" *: *"Accepted"' <<<"$result"; then
    id=$(sed -nE 's/.*"id" *: *"([^"]*)".*/\1/p' <<<"$result")
    [[ -n $id ]] && xcrun notarytool log "$id" --keychain-profile "$PROFILE" >&2
    fail "notarization was not accepted"
  fi
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  # Gatekeeper's own verdict on the stapled image, as a downloaded copy would get it.
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
fi

echo "==> done: $APP ($(du -sh "$APP" | cut -f1)), $DMG ($(du -h "$DMG" | cut -f1))"
