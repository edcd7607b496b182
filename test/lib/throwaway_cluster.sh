# Shared by the test scripts that run in their own throw-away cluster (sourced, not run).
# shellcheck source=test/lib/free_port.sh
source "$(dirname "${BASH_SOURCE[0]}")/free_port.sh"

# Re-executes the calling script once inside a throw-away cluster made by `pg_virtualenv -t`
# (PostgreSQL ${PG_VERSION:-15}, tenancy.create_key_file on) on a free port, so that it can run
# beside other clusters; returns at once when already inside. $1: the script's name (for
# messages and the guard variable); the rest: the script's arguments. More server settings can
# be given in the array THROWAWAY_CLUSTER_OPTIONS (-o name=value ...).
reexec_in_throwaway_cluster() {
  local name=$1 guard
  shift
  [[ -v THROWAWAY_CLUSTER_OPTIONS ]] || THROWAWAY_CLUSTER_OPTIONS=()
  guard="TENANCY_${name^^}_IN_VIRTUALENV"
  [[ -n "${!guard:-}" ]] && return 0
  export "$guard=1"
  if [[ -z "${PGPORT:-}" ]]; then
    PGPORT=$(free_port) || { echo "$name: no free port found" >&2; exit 1; }
    export PGPORT
  fi
  exec pg_virtualenv -t -v "${PG_VERSION:-15}" -o tenancy.create_key_file=on \
    "${THROWAWAY_CLUSTER_OPTIONS[@]}" bash "$0" "$@"
}
