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
# The packages to test: make wintest passes the Makefile's PKGS.
PKGS=${PKGS:?run make wintest, which names the packages}

# Debian's wine64 and MinGW; CI installs them here, as must a clean machine.
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || { [ ! -x /usr/lib/wine/wine64 ] && ! command -v wine64 >/dev/null; }; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64 gcc-mingw-w64-x86-64 >/dev/null
fi
WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver)
export WINE WINESERVER

# The prefix (and with it Windows' %TEMP%, where the tests' postoffices go)
# on tmpfs when /dev/shm may run programs, as make test does: the failpoint
# loops fsync at every write.
base=${TMPDIR:-/tmp}
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && x=$(mktemp /dev/shm/porepair-exec.XXXXXX 2>/dev/null); then
	{ printf '#!/bin/sh\n' >"$x" && chmod +x "$x" && "$x"; } 2>/dev/null && base=/dev/shm
	rm -f "$x"
fi
tmp=$(mktemp -d "$base/porepair-wine.XXXXXX")
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

# The release build (no fault hook) for TestReleaseBuildIgnoresFaultHook,
# which cannot run the go command from under Wine.
GOOS=windows GOARCH=amd64 $GO build -overlay "$tmp/overlay.json" -o "$tmp/release/porepair.exe" ./cmd/porepair
export POREPAIR_RELEASE_BIN="Z:${tmp//\//\\}\\release\\porepair.exe"

# (a) every package's tests as Windows programs, (b) the command-level
# scenarios, driven from Linux (testdata/wine/scenarios_test.go), at the
# same time: one wineserver serves both. -v shows every skip with its reason.
status=0
echo "== go test under Wine (log: $tmp/unit.log), scenarios alongside"
GOOS=windows GOARCH=amd64 $GO test -tags faultinject -overlay "$tmp/overlay.json" -count=1 -p "${WINEJOBS:-2}" -v \
	-exec "$root/testdata/wine/exec.sh" $PKGS >"$tmp/unit.log" 2>&1 &
unit=$!
$GO test -count=1 -v ./testdata/wine 2>&1 | grep -v '^=== ' || status=1
unitstatus=0
wait $unit || unitstatus=1
if [ $unitstatus = 0 ]; then
	grep -E '^(ok|FAIL|\?) ' "$tmp/unit.log" || true
else
	status=1
	grep -v -E '^(=== |\s*--- PASS)' "$tmp/unit.log" || true
fi
echo "== wintest: $( [ $status = 0 ] && echo passed || echo FAILED ) in $(($(date +%s) - start)) s; skips:"
# go test -v prints a skip's reason on the line before its --- SKIP; a
# test that drops only a case under Wine logs "no ... case: Wine ...".
grep -E -B1 -- '--- SKIP' "$tmp/unit.log" | grep -v -- '^--$' | paste - - | sed 's/^\s*//' || true
grep -E 'no .* case: Wine' "$tmp/unit.log" | sed 's/^\s*//' || true
exit $status
