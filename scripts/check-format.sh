#!/usr/bin/env bash
# Checks C and C++ sources against .clang-format without changing them (clang-format --dry-run -Werror).
#   bash scripts/check-format.sh             every tracked .cc/.h/.c file: what scripts/test.sh and CI run, so a
#                                            fresh clone with one commit is checked as fully as a long branch
#   bash scripts/check-format.sh --changed [BASE]
#                                            only the files changed since the merge base with BASE (default main),
#                                            committed or not: quick feedback before a commit
# Exit 0 when all are formatted, 1 with the offending files listed, 0 with a message when clang-format is missing.
# CF_CLANG_FORMAT names another binary. Versions differ in small ways: format with the one this checks with.
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CF_CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check-format: skipped: $clang_format is not installed (scripts/install-deps.sh installs clang-format)" >&2
  exit 0
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-format: skipped: not a git checkout, so there is no list of tracked files" >&2
  exit 0
fi

patterns=('*.cc' '*.h' '*.c')
if [ "${1:-}" = --changed ]; then
  base=$(git merge-base HEAD "${2:-main}")
  mapfile -t files < <({ git diff --name-only --diff-filter=d "$base" -- "${patterns[@]}";
                         git ls-files --others --exclude-standard -- "${patterns[@]}"; } | sort -u)
else
  mapfile -t files < <(git ls-files -- "${patterns[@]}")
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no C/C++ files to check" >&2
  exit 0
fi

# One clang-format process per batch of files, not per file; the files are read back from its diagnostics
# ("path:line:col: error: code should be clang-formatted").
mapfile -t bad < <(printf '%s\0' "${files[@]}" |
                   xargs -0 "$clang_format" --dry-run -Werror --style=file 2>&1 >/dev/null |
                   sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: .*clang-format.*$/\1/p' | sort -u)
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} of ${#files[@]} files differ from .clang-format ($("$clang_format" --version)):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "check-format: fix with: $clang_format -i --style=file <file>..." >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted" >&2
