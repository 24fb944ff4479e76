#!/usr/bin/env bash
# A newcomer's first hour, checked: clone the committed repository into an empty directory (no
# ../shared beside it, nothing installed in it), run the two commands at the top of README.md
# exactly as written there, check that the preview answers, stop it with Ctrl-C (SIGINT), then run
# the test command. .ci/run runs this, so a README that only works inside this workplace fails CI.
#
#   bash scripts/newcomer-check.sh            # clones HEAD of this repository (commit first)
#   KEEP=1 bash scripts/newcomer-check.sh     # keep the clone for a look afterwards
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)

# The first fenced block of the README: line 1 installs and starts the preview, line 2 runs all tests.
mapfile -t commands < <(awk '/^```/{n++; next} n==1' "$repo/README.md" | sed -E 's/[[:space:]]+#.*$//' | sed '/^[[:space:]]*$/d')
if [ ${#commands[@]} -ne 2 ]; then
  echo "newcomer-check: the README's first code block must hold exactly two commands (preview, tests); found ${#commands[@]}" >&2
  exit 1
fi
preview_cmd=${commands[0]}
test_cmd=${commands[1]}

work=$(mktemp -d /tmp/newcomer.XXXXXX)
cleanup() {
  if [ -n "${preview_pid:-}" ] && kill -0 "$preview_pid" 2>/dev/null; then kill -- -"$preview_pid" 2>/dev/null || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "newcomer-check: clone kept in $work/repo"; fi
}
trap cleanup EXIT
git clone --quiet --no-hardlinks "$repo" "$work/repo"
cd "$work/repo"
[ ! -e ../shared ] || { echo "newcomer-check: $work/shared exists; the check needs a directory with the repository only" >&2; exit 1; }

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
echo "newcomer-check: \$ $preview_cmd   (PORT=$port, in $work/repo)"
set -m
PORT=$port bash -c "$preview_cmd" >"$work/preview.log" 2>&1 &
preview_pid=$!
set +m
deadline=$((SECONDS + 600))
until curl -fsS -o "$work/page.html" "http://127.0.0.1:$port/" 2>/dev/null; do
  if ! kill -0 "$preview_pid" 2>/dev/null; then
    echo "newcomer-check: the preview exited before answering; its output:" >&2
    tail -n 40 "$work/preview.log" >&2
    exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "newcomer-check: the preview did not answer on port $port within 10 minutes; its output:" >&2
    tail -n 40 "$work/preview.log" >&2
    exit 1
  fi
  sleep 2
done
grep -q 'Dev VM' "$work/page.html" || { echo "newcomer-check: the preview answered, but not with its page" >&2; exit 1; }
# The page's own data call: the preview must have configured the app (admin.save through the real
# resolvers), which is what failed when the Jira OpenAPI document lived outside the repository.
curl -fsS "http://127.0.0.1:$port/__preview/state" >/dev/null || { echo "newcomer-check: /__preview/state failed; preview output:" >&2; tail -n 40 "$work/preview.log" >&2; exit 1; }
echo "newcomer-check: the preview answers on port $port"
kill -INT -- -"$preview_pid"
for _ in $(seq 1 30); do kill -0 "$preview_pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$preview_pid" 2>/dev/null; then
  echo "newcomer-check: the preview did not stop within 30 s of Ctrl-C" >&2
  exit 1
fi
preview_pid=
echo "newcomer-check: \$ $test_cmd"
bash -c "$test_cmd"
echo "newcomer-check: both README commands work in a clone with only the repository"
