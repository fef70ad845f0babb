#!/usr/bin/env bash
# Stops what hack/dev-up.sh started for this work tree (registry, kube-apiserver, then etcd): SIGTERM,
# wait up to DEV_STOP_TIMEOUT seconds (default 30), then SIGKILL. A process counts as ours only if its
# command line carries this work tree's .dev/ paths, so pid files pointing at recycled pids and other
# people's etcd/registry processes are left alone; ours are found even if their pid file is gone.
# Keeps .dev/ (certs, etcd and registry data, logs) unless --purge, which deletes it. Idempotent.
# Usage: hack/dev-down.sh [--purge]
set -euo pipefail

SCRIPT_NAME=dev-down
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STOP_TIMEOUT="${DEV_STOP_TIMEOUT:-30}"
[[ "$STOP_TIMEOUT" =~ ^[0-9]+$ ]] || die "DEV_STOP_TIMEOUT='$STOP_TIMEOUT' is not a number"
purge=false
for arg in "$@"; do
  case "$arg" in
    --purge) purge=true ;;
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$arg' (usage: hack/dev-down.sh [--purge])" ;;
  esac
done

if [[ -d "$RUN_DIR" ]]; then
  exec 9> "$RUN_DIR/lock"
  if ! flock -n 9; then
    say "waiting for another dev-up/dev-down to finish"
    flock -w 600 9 || die "another dev-up/dev-down still holds .dev/run/lock after 600s; stop it first"
  fi
fi

# wait_gone COMPONENT SECONDS PID...: true once none of the PIDs is a live process of ours
# (exited or zombie); otherwise false after SECONDS with the survivors in ALIVE.
ALIVE=()
wait_gone() {
  local c="$1" deadline=$((SECONDS + $2)) p; shift 2
  while :; do
    ALIVE=()
    for p in "$@"; do is_ours "$c" "$p" && ALIVE+=("$p"); done
    ((${#ALIVE[@]})) || return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# stop COMPONENT: every live process of ours for COMPONENT, found by pid file and by /proc scan.
stop() {
  local c="$1" pf pid="" p start=$SECONDS
  local -a pids=()
  pf="$(pid_file "$c")"
  if [[ -f "$pf" ]]; then
    read -r pid < "$pf" 2>/dev/null || true
    if [[ -n "$pid" ]] && is_ours "$c" "$pid"; then
      pids+=("$pid")
    elif [[ -n "$pid" ]] && proc_alive "$pid"; then
      say "$c: pid file says $pid but that process is not our $c; leaving it alone"
    fi
  fi
  for p in $(find_ours "$c"); do
    [[ "$p" == "$pid" ]] && continue
    say "$c: found pid $p without pid file"
    pids+=("$p")
  done
  if ((${#pids[@]} == 0)); then
    rm -f "$pf"
    say "$c: not running"
    return 0
  fi

  kill -TERM "${pids[@]}" 2>/dev/null || true
  if ! wait_gone "$c" "$STOP_TIMEOUT" "${pids[@]}"; then
    say "$c: pid ${ALIVE[*]} still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "${ALIVE[@]}" 2>/dev/null || true
    wait_gone "$c" 10 "${ALIVE[@]}" \
      || die "$c: pid ${ALIVE[*]} survived SIGKILL; inspect it with: ps -o pid,stat,args -p ${ALIVE[*]}"
  fi
  rm -f "$pf"
  say "$c: stopped (pid ${pids[*]}, $((SECONDS - start))s)"
}

for ((i = ${#DEV_COMPONENTS[@]} - 1; i >= 0; i--)); do
  stop "${DEV_COMPONENTS[i]}"
done

if $purge; then
  rm -rf "$DEV_DIR"
  say "purged ${DEV_DIR#"$REPO_ROOT"/}/"
fi
