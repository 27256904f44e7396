#!/bin/sh
# The release version make release stamps into the binary and names the packages with (valid as a
# Debian version too): a tag vX.Y.Z on HEAD gives X.Y.Z; N commits after it, X.Y.Z+N.gHASH; no tag,
# 0.0.0+git.YYYYMMDD.HASH (the commit's date); uncommitted changes to tracked files add "dirty".
set -eu
if d=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
	v=$(printf '%s\n' "${d#v}" | sed -E 's/-([0-9]+)-g([0-9a-f]+)$/+\1.g\2/')
elif h=$(git rev-parse --short=12 HEAD 2>/dev/null); then
	v="0.0.0+git.$(git log -1 --format=%cd --date=format:%Y%m%d).$h"
else
	echo "0.0.0+unknown"
	exit 0
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	case $v in
	*+*) v="$v.dirty" ;;
	*) v="$v+dirty" ;;
	esac
fi
echo "$v"
