#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller one-folder) and the .deb around it.
#
#   packaging/linux/build.sh [--bundle-only] [OUT]
#
# OUT (default packaging/out) receives:
#   dist/sigfollow-desktop/                   the bundle (run dist/sigfollow-desktop/sigfollow-desktop)
#   sigfollow-desktop_<version>_<arch>.deb    installs the bundle under /opt/sigfollow-desktop,
#                                             /usr/bin/sigfollow-desktop, a desktop entry, icons
# Python: $SIGFOLLOW_PYTHON if set (it needs the app and the `package` extra installed),
# else the project's .venv, set up by ./dev setup. Needs objdump (binutils) for PyInstaller and
# dpkg-deb and dpkg-shlibdeps (dpkg-dev) for the .deb; packaging/linux/test.sh installs them.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LINUX="$ROOT/packaging/linux"
NAME=sigfollow-desktop

bundle_only=0
if [[ ${1:-} == --bundle-only ]]; then
  bundle_only=1
  shift
fi
OUT=$(mkdir -p "${1:-$ROOT/packaging/out}" && cd "${1:-$ROOT/packaging/out}" && pwd)

fail() {
  echo "build.sh: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null || fail "$1 is missing; install the Debian package $2 (apt-get install $2)"
}

if [[ -n ${SIGFOLLOW_PYTHON:-} ]]; then
  PY=$SIGFOLLOW_PYTHON
else
  "$ROOT/dev" setup
  PY="$ROOT/${SIGFOLLOW_VENV:-.venv}/bin/python"
fi
"$PY" -c 'import PyInstaller' 2>/dev/null ||
  fail "PyInstaller is not installed for $PY; install the package extra: pip install -e '.[package]'"
need objdump binutils

VERSION=$("$PY" -c 'import runpy, sys; print(runpy.run_path(sys.argv[1])["__version__"])' \
  "$ROOT/sigfollow_desktop/__init__.py")

started=$(date +%s%N)
echo "==> bundle: PyInstaller, version $VERSION"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$OUT/dist" --workpath "$OUT/build" "$ROOT/packaging/$NAME.spec"
BUNDLE="$OUT/dist/$NAME"
[[ -x $BUNDLE/$NAME ]] || fail "PyInstaller made no $BUNDLE/$NAME"
echo "    $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
((bundle_only)) && exit 0

need dpkg-deb dpkg
need dpkg-shlibdeps dpkg-dev
ARCH=$(dpkg --print-architecture)
# PEP 440 pre-releases sort before the release in Debian only with a tilde: 1.0rc1 -> 1.0~rc1.
DEB_VERSION=$(sed -E 's/\.?(a|b|rc|dev)([0-9]+)/~\1\2/' <<<"$VERSION")
STAGE="$OUT/deb/$NAME"
DEB="$OUT/${NAME}_${DEB_VERSION}_${ARCH}.deb"

echo "==> .deb: staging $STAGE"
rm -rf "$OUT/deb"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/doc/$NAME" "$STAGE/usr/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$STAGE/opt/$NAME"
install -m 0755 "$LINUX/launcher.sh" "$STAGE/usr/bin/$NAME"
install -m 0644 "$LINUX/$NAME.desktop" "$STAGE/usr/share/applications/$NAME.desktop"
install -m 0644 "$LINUX/copyright" "$STAGE/usr/share/doc/$NAME/copyright"
cp -r "$ROOT/packaging/icons/hicolor/." "$STAGE/usr/share/icons/hicolor/"
install -m 0644 "$ROOT/packaging/icons/$NAME.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/$NAME.svg"
# Everything readable by all, nothing writable but by root: the files are installed as root.
# Shared libraries are not programs (Debian policy 8.1).
chmod -R u=rwX,go=rX "$STAGE"
find "$STAGE/opt" -type f -name '*.so*' -exec chmod 0644 {} +
# A native package's changelog, as Debian policy 12.7 asks for every binary package.
printf '%s (%s) stable; urgency=medium\n\n  * SigFollow Desktop %s.\n\n -- %s  %s\n' \
  "$NAME" "$DEB_VERSION" "$VERSION" "${DEB_MAINTAINER:-SigFollow <desktop@sigfollow.invalid>}" \
  "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")" |
  gzip -9n >"$STAGE/usr/share/doc/$NAME/changelog.gz"
chmod 0644 "$STAGE/usr/share/doc/$NAME/changelog.gz"
install -D -m 0644 "$LINUX/lintian-overrides" "$STAGE/usr/share/lintian/overrides/$NAME"

echo "==> .deb: Depends from the bundle's ELF files (dpkg-shlibdeps)"
# dpkg-shlibdeps reads a debian/control; give it a minimal one in a scratch folder.
scratch="$OUT/deb/shlibdeps"
mkdir -p "$scratch/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$NAME" "$NAME" >"$scratch/debian/control"
mapfile -t elves < <(find "$STAGE/opt" -type f -exec sh -c \
  'for f; do [ "$(head -c 4 "$f" | od -An -c | tr -d " ")" = "177ELF" ] && echo "$f"; done' _ {} +)
((${#elves[@]})) || fail "no ELF files found in the bundle"
if ! depends=$(cd "$scratch" && dpkg-shlibdeps -O -S"$STAGE" "${elves[@]}" 2>"$OUT/deb/shlibdeps.log"); then
  cat "$OUT/deb/shlibdeps.log" >&2
  fail "dpkg-shlibdeps failed: a library the bundle needs is not installed here (see above)"
fi
depends=${depends#shlibs:Depends=}
for lib in libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib, which Qt's xcb plugin needs: $depends"
done

installed_size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<EOF
Package: $NAME
Version: $DEB_VERSION
Architecture: $ARCH
Maintainer: ${DEB_MAINTAINER:-SigFollow <desktop@sigfollow.invalid>}
Installed-Size: $installed_size
Depends: $depends
Recommends: gnome-keyring
Section: net
Priority: optional
Description: webhook admin and signed, retried delivery of SigFollow events
 SigFollow Desktop configures the webhooks of a SigFollow (WhatsApp Business)
 account and delivers its events to them: message statuses, inbound messages
 and template reviews, each signed with X-Hub-Signature-256 and retried from a
 local store until delivered.
 .
 Signing secrets are kept in the system keychain (a Secret Service such as
 GNOME Keyring).
EOF
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
  xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"

rm -f "$DEB"
dpkg-deb --root-owner-group --build "$STAGE" "$DEB" >/dev/null
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "    $DEB ($(du -h "$DEB" | cut -f1))"
printf '==> built in %d.%01d s: bundle %s, .deb %s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100)) \
  "$(du -sh "$BUNDLE" | cut -f1)" "$(du -h "$DEB" | cut -f1)"
