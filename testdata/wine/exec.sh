#!/bin/sh
# go test -exec: run a Windows test binary under Wine, in the prefix and
# with the wineserver wintest.sh set up (WINEPREFIX, WINESERVER).
exec "${WINE:-wine64}" "$@"
