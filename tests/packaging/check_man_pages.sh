#!/usr/bin/env bash
# The man pages in MAN_DIR render without warnings and show every option and subcommand that the
# programs' --help lists now (each page is generated from that help; this fails if a page is stale).
#   check_man_pages.sh MAN_DIR PROGRAM...
set -euo pipefail
man_dir=$1
shift
export QT_QPA_PLATFORM=offscreen LC_ALL=C.UTF-8 MANWIDTH=200
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

# Every --option and every subcommand of a CLI11 or Qt help text.
words_of_help() {
  grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | sed 's/^[ ,]*//'
  awk '/^Subcommands:/{s=1; next} s && /^  [a-z]/{print $1; next} s && !/^ /{s=0}'
}

for prog in "$@"; do
  name=$(basename "$prog")
  page="$man_dir/$name.1.gz"
  [ -s "$page" ] || { fail "$page missing"; continue; }
  warnings=$(man --warnings -l "$page" 2>&1 >/dev/null) || fail "$name: man failed"
  [ -z "$warnings" ] || fail "$name: man warnings: $warnings"
  text=$(man -l "$page" 2>/dev/null | col -b)
  grep -q "^NAME" <<<"$text" || fail "$name: no NAME section"
  # The top level and, for CLI11 programs, every subcommand one level down.
  helps=$("$prog" --help 2>/dev/null)
  for sub in $(awk '/^Subcommands:/{s=1; next} s && /^  [a-z]/{print $1; next} s && !/^ /{s=0}' <<<"$helps"); do
    helps+=$'\n'$("$prog" "$sub" --help 2>/dev/null)
    grep -qF "$name $sub" <<<"$text" || fail "$name: subcommand '$sub' has no section"
  done
  for word in $(words_of_help <<<"$helps" | sort -u); do
    grep -qF -- "$word" <<<"$text" || fail "$name: '$word' is in --help but not in the man page"
  done
  echo "ok  $name(1): $(wc -l <<<"$text") lines"
done
exit "$status"
