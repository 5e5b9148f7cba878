#!/bin/sh
# The format check catches what it must: a deliberately mis-formatted copy
# of a tracked file fails it, the same file as formatted passes it.
set -u
check="$1"
src="$2"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$src" "$tmp/good.c"
"$check" "$tmp/good.c" || { echo "FAIL: a formatted file was refused"; exit 1; }
# a function's opening brace indented: clang-format puts it back
sed -e '0,/^{$/s/^{$/   {/' "$src" > "$tmp/bad.c"
cmp -s "$src" "$tmp/bad.c" && { echo "FAIL: the mutation did not apply"; exit 1; }
if "$check" "$tmp/bad.c"; then
  echo "FAIL: a mis-formatted file passed"
  exit 1
fi
echo "ok: formatted passes, mis-formatted fails"
