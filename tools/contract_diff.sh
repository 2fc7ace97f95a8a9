#!/usr/bin/env bash
# Before/after check of the CLI's JSON contract on the bundled sample, for restructuring work:
#   tools/contract_diff.sh REV     (e.g. HEAD~3)
# runs import, `due --at` and `tasks` at three dates, `units`, `plans`, two passes with office actions
# between them, and `log`, once with REV's code and once with the working tree's, then diffs the JSON.
# Uses this checkout's .venv (python3 tools/dev.py test makes it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rev="${1:?usage: tools/contract_diff.sh REV}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$root" worktree add -q --detach "$tmp/before" "$rev"
trap 'git -C "$root" worktree remove --force "$tmp/before"; rm -rf "$tmp"' EXIT

outputs() {  # outputs SOURCE_TREE OUT_DIR
  local src="$1" out="$2" py="$root/.venv/bin/python"
  mkdir -p "$out/work"
  (
    cd "$out/work"
    export PYTHONPATH="$src" NOTIFIER_NOW=2026-11-27T08:00
    cp "$src/notifier/samples/ke-hoach-dan-van-2026-thai-tan.txt" plan.txt
    "$py" -m notifier import plan.txt --json > "$out/import.json"
    for at in 2026-03-02T08:00 2026-11-27T08:00 2027-01-04T08:00; do
      "$py" -m notifier due --at "$at" --json > "$out/due-$at.json"
      "$py" -m notifier tasks --json > "$out/tasks-$at.json"
    done
    "$py" -m notifier units --json > "$out/units.json"
    "$py" -m notifier plans --json > "$out/plans.json"
    "$py" -m notifier units link "Phòng Kinh tế" --email kinhte@example.vn > /dev/null
    "$py" -m notifier run --once --now 2026-11-27T08:00 > /dev/null 2>&1
    "$py" -m notifier done 1.1 > /dev/null
    "$py" -m notifier tasks set-due 2.1 15/12/2026 > /dev/null || true
    "$py" -m notifier units alias "Phòng VH" "Phòng Văn hóa - Xã hội" > /dev/null || true
    "$py" -m notifier run --once --now 2026-11-30T08:00 > /dev/null 2>&1
    # Row stamps of sending are real time where real time is the point (claims): left out.
    "$py" -m notifier log --json | "$py" -c "import json,sys; d=json.load(sys.stdin); \
[r.pop(k, None) for r in d for k in ('created_at', 'updated_at', 'sent_at', 'claimed_by')]; \
print(json.dumps(d, indent=1, ensure_ascii=False))" > "$out/log.json"
    "$py" -m notifier tasks --json > "$out/tasks-after.json"
    "$py" -m notifier units --json > "$out/units-after.json"
    "$py" -m notifier due --at 2026-12-01T08:00 --json > "$out/due-after.json"
    # The daemon's heartbeat is real time (liveness): its times, pid and tick length are left out.
    "$py" -m notifier status --json | "$py" -c "import json,sys; d=json.load(sys.stdin); \
[d['daemon'].pop(k) for k in ('pid', 'started_at', 'beat_at', 'tick_seconds', 'alive')]; \
print(json.dumps(d, indent=1, ensure_ascii=False))" > "$out/status.json"
    "$py" -m notifier status | grep -v '^Dịch vụ' > "$out/status.txt"
    "$py" -m notifier tasks > "$out/tasks.txt"
    "$py" -m notifier due --at 2026-12-01T08:00 > "$out/due.txt"
    "$py" -m notifier tasks --unit "Phòng Kinh tế" > "$out/tasks-unit.txt"
  )
  rm -rf "$out/work"
}

outputs "$tmp/before" "$tmp/out-before"
outputs "$root" "$tmp/out-after"
if diff -r "$tmp/out-before" "$tmp/out-after"; then
  echo "same: $(ls "$tmp/out-after" | wc -l) outputs identical ($rev vs working tree)"
fi
