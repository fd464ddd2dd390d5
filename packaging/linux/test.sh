#!/usr/bin/env bash
# The packaging test: build the Linux bundle and .deb, run the bundle, install the .deb, run
# the installed program, remove it and check nothing is left.
#
#   packaging/linux/test.sh [OUT]        (./dev package-test runs it; default OUT packaging/out)
#
# Needs root on Debian or Ubuntu (dpkg -i / dpkg -r); installs the system packages it uses
# when they are missing. Leaves in OUT: the bundle, the .deb, the self-test outputs and
# screenshot-bundle.png (the bundled program's window under Xvfb).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME=sigfollow-desktop
OUT=$(mkdir -p "${1:-$ROOT/packaging/out}" && cd "${1:-$ROOT/packaging/out}" && pwd)
WORK=$(mktemp -d)
installed_by_us=0

step() { echo "==> $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  if ((installed_by_us)) && dpkg-query -W -f='${db:Status-Status}' "$NAME" 2>/dev/null | grep -q installed; then
    echo "==> removing the $NAME package this test installed" >&2
    dpkg -r "$NAME" >/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || fail "run as root: the test installs and removes the .deb with dpkg"
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  fail "needs Debian or Ubuntu (apt, dpkg)"
fi

# --- system packages -------------------------------------------------------------------------
# Tools: objdump for PyInstaller, dpkg-shlibdeps for the Depends, lintian, Xvfb + xdotool +
# ImageMagick for the window and its screenshot, desktop-file-validate, D-Bus + GNOME Keyring
# for a real keychain. Libraries: what the bundled Qt links against (dpkg-shlibdeps resolves the Depends
# from the installed libraries, so they must be here to build the .deb).
tools=(objdump:binutils dpkg-shlibdeps:dpkg-dev xvfb-run:xvfb xauth:xauth xdotool:xdotool
  import:imagemagick desktop-file-validate:desktop-file-utils dbus-run-session:dbus
  gnome-keyring-daemon:gnome-keyring runuser:util-linux lintian:lintian)
libraries=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-image0
  libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-glx0 libxcb-sync1
  libxcb-xfixes0 libx11-xcb1 libegl1 libgl1 libfontconfig1 libdbus-1-3 libwayland-client0
  libwayland-cursor0 libwayland-egl1 libgssapi-krb5-2)
missing=()
for pair in "${tools[@]}"; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
for package in "${libraries[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed || missing+=("$package")
done
if ((${#missing[@]})); then
  step "installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if dpkg-query -W -f='${db:Status-Status}' "$NAME" 2>/dev/null | grep -qx installed; then
  fail "$NAME is installed already; remove it first (dpkg -r $NAME)"
fi
[[ ! -e /opt/$NAME ]] || fail "/opt/$NAME exists already; move it away first"

# --- build ------------------------------------------------------------------------------------
step "building the bundle and the .deb"
started=$(date +%s%N)
"$ROOT/packaging/linux/build.sh" "$OUT"
build_ms=$((($(date +%s%N) - started) / 1000000))
VERSION=$("$ROOT/${SIGFOLLOW_VENV:-.venv}/bin/python" -c \
  'import runpy, sys; print(runpy.run_path(sys.argv[1])["__version__"])' "$ROOT/sigfollow_desktop/__init__.py")
BUNDLE="$OUT/dist/$NAME"
DEB=$(ls "$OUT/${NAME}_"*"_$(dpkg --print-architecture).deb")

# A clean environment: nothing from this shell's Python, Qt or D-Bus set-up leaks in.
clean_env() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$WORK/home" LANG=C.UTF-8 "$@"
}
mkdir -p "$WORK/home"
chmod 0755 "$WORK" "$WORK/home"

expect_self_test() { # FILE: the self-test output; all required checks passed, one line each
  local file=$1
  cat "$file"
  [[ $(grep -c '' "$file") == 6 ]] || fail "self-test printed $(grep -c '' "$file") lines, expected 6"
  [[ $(grep -c '^ok ' "$file") == 5 ]] || fail "self-test: not every required check passed"
  grep -q '^info  keychain: ' "$file" || fail "self-test did not report the keychain"
}

# --- the bundle -------------------------------------------------------------------------------
step "bundle: --version"
got=$(clean_env "$BUNDLE/$NAME" --version)
echo "$got"
[[ $got == "$NAME $VERSION" ]] || fail "--version printed '$got', expected '$NAME $VERSION'"

step "bundle: --self-test (offscreen, no keychain)"
clean_env QT_QPA_PLATFORM=offscreen "$BUNDLE/$NAME" --self-test >"$OUT/self-test-bundle.txt" ||
  { cat "$OUT/self-test-bundle.txt"; fail "the bundle's self-test failed"; }
expect_self_test "$OUT/self-test-bundle.txt"

step "bundle: --self-test with a running Secret Service (GNOME Keyring on a private D-Bus)"
clean_env QT_QPA_PLATFORM=offscreen dbus-run-session -- sh -c \
  'printf %s self-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$0" --self-test' \
  "$BUNDLE/$NAME" >"$OUT/self-test-bundle-keyring.txt" 2>/dev/null ||
  { cat "$OUT/self-test-bundle-keyring.txt"; fail "the bundle's self-test failed"; }
expect_self_test "$OUT/self-test-bundle-keyring.txt"
grep -q '^info  keychain: keyring.backends.SecretService.Keyring ' "$OUT/self-test-bundle-keyring.txt" ||
  fail "the bundle did not pick the Secret Service keychain"

step "bundle: the window on a real X server (Xvfb), screenshot"
rm -f "$OUT/screenshot-bundle.png"
# Something to show: a webhook (not enabled, so nothing is sent anywhere) and some events,
# stored through the bundle's own command line.
clean_env "$BUNDLE/$NAME" --data-dir "$WORK/data" webhooks add https://hooks.example.com/sigfollow \
  --events statuses,messages
clean_env "$BUNDLE/$NAME" --data-dir "$WORK/data" events simulate --count 12
clean_env SIGFOLLOW_DATA_DIR="$WORK/data" xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  set -euo pipefail
  "$1" & pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  # Wait for the window itself to be mapped, not for a fixed time.
  window=$(timeout 60 xdotool search --sync --onlyvisible --name "SigFollow Desktop" | head -n 1)
  # Mapped is not yet painted: photograph until the picture shows more than a blank window.
  for _ in $(seq 100); do
    import -window "$window" "$2"
    (($(identify -format %k "$2") > 16)) && break
    sleep 0.1
  done
  kill -0 $pid  # still running: the window did not close or crash
' _ "$BUNDLE/$NAME" "$OUT/screenshot-bundle.png" || fail "the bundled program's window did not appear"
colours=$(identify -format '%k' "$OUT/screenshot-bundle.png")
((colours > 16)) || fail "the screenshot is (nearly) blank: $colours colours"
echo "    $OUT/screenshot-bundle.png ($colours colours)"

# --- the .deb ---------------------------------------------------------------------------------
step "lintian $(basename "$DEB") (errors fail; accepted ones are in packaging/linux/lintian-overrides)"
lintian_status=0
lintian_report=$(lintian --fail-on error --tag-display-limit 0 "$DEB" 2>&1) || lintian_status=$?
grep -v 'running with root privileges' <<<"$lintian_report" || true
((lintian_status == 0)) || fail "lintian found errors in the .deb"

opt_before=$(ls -A /opt)
step "dpkg -i $(basename "$DEB")"
installed_by_us=1
dpkg -i "$DEB"
[[ $(dpkg-query -W -f='${db:Status-Status}' "$NAME") == installed ]] || fail "dpkg does not list $NAME as installed"
for path in /usr/bin/$NAME /opt/$NAME/$NAME /usr/share/applications/$NAME.desktop \
  /usr/share/icons/hicolor/48x48/apps/$NAME.png /usr/share/icons/hicolor/256x256/apps/$NAME.png \
  /usr/share/icons/hicolor/scalable/apps/$NAME.svg; do
  [[ -e $path ]] || fail "$path is not installed"
done
desktop-file-validate /usr/share/applications/$NAME.desktop || fail "the desktop entry is not valid"

step "installed: $NAME --version, --self-test (as root, then as an unprivileged user)"
got=$(clean_env $NAME --version)
[[ $got == "$NAME $VERSION" ]] || fail "installed --version printed '$got'"
clean_env QT_QPA_PLATFORM=offscreen $NAME --self-test >"$OUT/self-test-installed.txt" ||
  { cat "$OUT/self-test-installed.txt"; fail "the installed self-test failed"; }
expect_self_test "$OUT/self-test-installed.txt"
grep -q "resources: .* in /opt/$NAME/" "$OUT/self-test-installed.txt" || fail "resources not found in /opt/$NAME"
runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME="$WORK/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
  $NAME --self-test >"$OUT/self-test-installed-nobody.txt" ||
  { cat "$OUT/self-test-installed-nobody.txt"; fail "the installed self-test failed for an unprivileged user"; }
expect_self_test "$OUT/self-test-installed-nobody.txt"

step "dpkg -r $NAME"
dpkg -r "$NAME"
installed_by_us=0
[[ ! -e /opt/$NAME ]] || fail "/opt/$NAME is left after dpkg -r: $(find /opt/$NAME | head)"
[[ $(ls -A /opt) == "$opt_before" ]] || fail "/opt differs after dpkg -r: $(ls -A /opt)"
for path in /usr/bin/$NAME /usr/share/applications/$NAME.desktop /usr/share/icons/hicolor/48x48/apps/$NAME.png; do
  [[ ! -e $path ]] || fail "$path is left after dpkg -r"
done
status=$(dpkg-query -W -f='${db:Status-Status}' "$NAME" 2>/dev/null || echo not-installed)
[[ $status == not-installed ]] || fail "dpkg lists $NAME as '$status' after dpkg -r"

bundle_bytes=$(du -sb "$BUNDLE" | cut -f1)
deb_bytes=$(stat -c %s "$DEB")
echo
echo "packaging test passed"
printf '  build time (bundle + .deb): %d.%01d s\n' $((build_ms / 1000)) $((build_ms % 1000 / 100))
echo "  bundle: $(du -sh "$BUNDLE" | cut -f1) ($bundle_bytes bytes) $BUNDLE"
echo "  .deb:   $(du -h "$DEB" | cut -f1) ($deb_bytes bytes) $DEB"
echo "  window screenshot: $OUT/screenshot-bundle.png"
