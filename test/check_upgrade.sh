#!/usr/bin/env bash
# The upgrade rule: every change to the install script ships as a new version with an update
# script. upgrade/released.sha256 lists the released versions in order, each with the sha256 of
# its install script. Checks that:
#   - the control file's default_version is the Makefile's EXTVERSION (argument 2);
#   - the last released version is EXTVERSION and the generated install script still has its
#     checksum (otherwise the SQL changed after release: add a version);
#   - the first released version's full script is kept in upgrade/ with its checksum;
#   - an update script upgrade/EXT--A--B.sql exists for each consecutive pair of versions.
# Usage: bash test/check_upgrade.sh EXTENSION EXTVERSION (run by `make check-upgrade`).
set -uo pipefail
cd "$(dirname "$0")/.."
extension=$1
current=$2
released=upgrade/released.sha256
failures=0

# Reports a failed rule and counts it.
fail() {
  echo "check-upgrade: $*" >&2
  failures=$((failures + 1))
}

control_version=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$extension.control")
[[ $control_version == "$current" ]] ||
  fail "$extension.control has default_version '$control_version', the Makefile EXTVERSION $current"

mapfile -t versions < <(awk '{print $1}' "$released")
((${#versions[@]} > 0)) || { fail "$released lists no version"; exit 1; }
last=${versions[-1]}
first=${versions[0]}
if [[ $last != "$current" ]]; then
  fail "the last released version in $released is $last, not $current: record $current with" \
    "'$current $(sha256sum "$extension--$current.sql" | cut -d' ' -f1)'"
else
  recorded=$(awk -v v="$current" '$1 == v {print $2}' "$released")
  actual=$(sha256sum "$extension--$current.sql" | cut -d' ' -f1)
  [[ $recorded == "$actual" ]] ||
    fail "the install script changed after $current was released. Add a new version: raise" \
      "EXTVERSION (Makefile) and default_version ($extension.control), write" \
      "upgrade/$extension--$current--NEW.sql with the same changes, and add 'NEW <sha256 of" \
      "$extension--NEW.sql>' to $released."
fi

first_recorded=$(awk -v v="$first" '$1 == v {print $2}' "$released")
if [[ ! -f upgrade/$extension--$first.sql ]]; then
  fail "upgrade/$extension--$first.sql (the first release's full script) is missing"
elif [[ $first != "$current" && $(sha256sum "upgrade/$extension--$first.sql" | cut -d' ' -f1) != "$first_recorded" ]]; then
  fail "upgrade/$extension--$first.sql does not match its recorded checksum: released scripts never change"
fi

for ((i = 1; i < ${#versions[@]}; i++)); do
  step="upgrade/$extension--${versions[i - 1]}--${versions[i]}.sql"
  [[ -f $step ]] || fail "$step is missing"
done

((failures == 0)) && echo "check-upgrade: versions ${versions[*]}, current $current: ok"
exit $((failures > 0))
