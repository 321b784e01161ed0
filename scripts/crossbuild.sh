#!/bin/sh
# make crossbuild: what make test builds for other systems (see the
# Makefile's comment). Arguments: GOOS/GOARCH pairs, each followed by
# "all" (every library package and the release command, linked) or "os"
# (only the library packages with files of their own for that system).
# The pairs are built at once; the first failure names its pair. The
# release command is linked into OUT (porepair-GOOS-GOARCH), where go
# build links it again only when it is not up to date; without OUT, to
# /dev/null, every time.
set -u
GO=${GO:-go}
TAGS=${TAGS:--tags faultinject}
PKGS=${PKGS:-./...}
pids=
while [ $# -ge 2 ]; do
	target=$1 what=$2
	shift 2
	(
		export GOOS=${target%/*} GOARCH=${target#*/}
		out=/dev/null
		if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && out=$OUT/porepair-$GOOS-$GOARCH; fi
		if [ "$what" = all ]; then
			sel='{{if ne .Name "main"}}{{.ImportPath}}{{end}}'
		else
			sel='{{if and .IgnoredGoFiles .GoFiles (ne .Name "main")}}{{.ImportPath}}{{end}}'
		fi
		# shellcheck disable=SC2086 # PKGS and TAGS are word lists
		p=$($GO list -f "$sel" $PKGS) &&
			$GO build $p && $GO build $TAGS $p &&
			{ [ "$what" != all ] || $GO build -o "$out" ./cmd/porepair; } ||
			{ echo "== crossbuild: $target failed"; exit 1; }
	) &
	pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
exit $rc
