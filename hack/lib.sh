# shellcheck shell=bash disable=SC2034 # variables are used by the scripts that source this file
# Shared helpers for hack/dev-up.sh and hack/dev-down.sh. Source it, don't run it.
# Everything the local control plane owns lives under the git-ignored $DEV_DIR (default <repo>/.dev).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV_DIR="$REPO_ROOT/.dev"
RUN_DIR="$DEV_DIR/run"
LOG_DIR="$DEV_DIR/logs"
PKI_DIR="$DEV_DIR/pki"
ETCD_DATA="$DEV_DIR/etcd-data"
REGISTRY_DATA="$DEV_DIR/registry-data"
REGISTRY_CONFIG="$DEV_DIR/registry-config.yml"
DOCKMASTER_CACHE="${DOCKMASTER_CACHE:-$HOME/.cache/dockmaster}"
BIN_DIR="$DOCKMASTER_CACHE/bin"

# Components in start order; dev-down stops them in reverse.
DEV_COMPONENTS=(etcd kube-apiserver registry)

pid_file() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log\n' "$LOG_DIR" "$1"; }

# One argument that only a process started by dev-up for THIS work tree carries;
# it is how we tell our processes from anybody else's (other work trees, other registries).
dev_marker() {
  case "$1" in
    etcd) printf -- '--data-dir=%s\n' "$ETCD_DATA" ;;
    kube-apiserver) printf -- '--tls-cert-file=%s\n' "$PKI_DIR/apiserver.crt" ;;
    registry) printf '%s\n' "$REGISTRY_CONFIG" ;;
    *) return 1 ;;
  esac
}

# Glob the basename of argv[0] must match (excludes shells/greps that merely mention the marker).
argv0_glob() {
  case "$1" in
    etcd) echo 'etcd*' ;;
    kube-apiserver) echo 'kube-apiserver*' ;;
    registry) echo '*registry*' ;;
  esac
}

# proc_alive PID: running and not a zombie (PID 1 here does not necessarily reap orphans).
proc_alive() {
  local stat state
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
  state="${stat##*) }"
  [[ "${state%% *}" != Z ]]
}

# _argv_matches PID GLOB MARKER: argv[0]'s basename matches GLOB and one argument equals MARKER.
_argv_matches() {
  local a
  local -a argv=()
  proc_alive "$1" || return 1
  { mapfile -d '' -t argv < "/proc/$1/cmdline"; } 2>/dev/null || return 1
  ((${#argv[@]})) || return 1
  # shellcheck disable=SC2053 # glob match intended
  [[ "${argv[0]##*/}" == $2 ]] || return 1
  for a in "${argv[@]:1}"; do
    [[ "$a" == "$3" ]] && return 0
  done
  return 1
}

# is_ours COMPONENT PID: PID is alive and is the COMPONENT that dev-up started for this work tree.
is_ours() {
  _argv_matches "$2" "$(argv0_glob "$1")" "$(dev_marker "$1")"
}

# find_ours COMPONENT: pids of all live processes that are ours, pid file or not.
find_ours() {
  local f glob marker
  glob="$(argv0_glob "$1")"
  marker="$(dev_marker "$1")"
  for f in /proc/[0-9]*; do
    _argv_matches "${f#/proc/}" "$glob" "$marker" && echo "${f#/proc/}"
  done
  return 0
}

# running_pid COMPONENT: prints the pid of our running COMPONENT (pid file first, then a /proc scan,
# which re-adopts a process whose pid file was lost); returns 1 if it is not running.
running_pid() {
  local pf pid=""
  pf="$(pid_file "$1")"
  if [[ -f "$pf" ]]; then read -r pid < "$pf" 2>/dev/null || true; fi
  if [[ -n "$pid" ]] && is_ours "$1" "$pid"; then echo "$pid"; return 0; fi
  pid="$(find_ours "$1")"
  pid="${pid%%$'\n'*}"
  if [[ -n "$pid" ]]; then
    mkdir -p "$RUN_DIR" && echo "$pid" > "$pf"
    echo "$pid"; return 0
  fi
  return 1
}

# port_owner PORT: prints "pid=N name" of whoever listens on 127.0.0.1/any:PORT, nothing if free.
port_owner() {
  local port="$1" line
  if command -v ss >/dev/null; then
    line="$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1)"
    [[ -n "$line" ]] || return 0
    if [[ "$line" =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
      printf 'pid=%s %s\n' "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
    else
      echo "unknown process"
    fi
  elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "unknown process"
  fi
}

say() { printf '%s: %s\n' "${SCRIPT_NAME:-dev}" "$*"; }
die() { printf '%s: %s\n' "${SCRIPT_NAME:-dev}" "$*" >&2; exit 1; }
