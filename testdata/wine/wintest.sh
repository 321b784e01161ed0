#!/usr/bin/env bash
# make wintest: porepair's tests and command-level scenarios run as
# Windows programs under Wine (docs/reliability.md, "Windows").
#
# Everything happens in a fresh Wine prefix under a temp directory, never
# the user's ~/.wine, with one persistent wineserver for the whole run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
GO=${GO:-go}

# Debian's wine64 and MinGW; CI installs them here, as must a clean machine.
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || { [ ! -x /usr/lib/wine/wine64 ] && ! command -v wine64 >/dev/null; }; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64 gcc-mingw-w64-x86-64 >/dev/null
fi
WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver)
export WINE WINESERVER

tmp=$(mktemp -d "${TMPDIR:-/tmp}/porepair-wine.XXXXXX")
export WINEPREFIX=$tmp/prefix WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko installer dialogs: porepair needs neither.
export WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
	"$WINESERVER" -k 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

start=$(date +%s)
mkdir -p "$WINEPREFIX"
"$WINESERVER" -p
"$WINE" wineboot -i >/dev/null 2>&1
# The Go runtime needs bcryptprimitives.dll's ProcessPrng, which Wine 8.0
# lacks: the stand-in's source is testdata/wine/dll.
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	testdata/wine/dll/bcryptprimitives.c -lbcrypt
# Wine's first program starts its services (explorer, winedevice), which
# inherit its standard output and error: started here with neither, they
# never hold a test's pipes open after the test exits.
"$WINE" cmd /c exit </dev/null >/dev/null 2>&1
echo "== wine prefix ready in $(($(date +%s) - start)) s"

# Wine 8.0 answers NtSetInformationFile(FileDispositionInformationEx) with
# STATUS_NOT_IMPLEMENTED, where Windows without it says
# STATUS_INVALID_INFO_CLASS: Go's os.RemoveAll then fails ("Invalid
# function") instead of taking its own fallback (FileDispositionInfo, what
# DeleteFile does). The overlay adds Wine's status to the fallback's, for
# every binary this script builds; real Windows never sees the overlay.
at=$($GO env GOROOT)/src/internal/syscall/windows/at_windows.go
sed 's/^\(\t*\)STATUS_NOT_SUPPORTED: /\1STATUS_NOT_SUPPORTED, NTStatus(0xC0000002): /' "$at" >"$tmp/at_windows.go"
cmp -s "$at" "$tmp/at_windows.go" && { echo "wintest: the RemoveAll overlay no longer applies to $at"; exit 1; }
printf '{"Replace":{"%s":"%s"}}\n' "$at" "$tmp/at_windows.go" >"$tmp/overlay.json"
export POREPAIR_WINE_OVERLAY=$tmp/overlay.json

status=0
echo "== go test under Wine"
GOOS=windows GOARCH=amd64 $GO test -tags faultinject -overlay "$tmp/overlay.json" -count=1 -p "${WINEJOBS:-2}" \
	-exec "$root/testdata/wine/exec.sh" ./... ./testdata/fixture ./testdata/gen ./testdata/po || status=1
echo "== go test under Wine done at $(($(date +%s) - start)) s"
exit $status
