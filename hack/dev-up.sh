#!/usr/bin/env bash
# Starts the local development control plane the ITs, e2e tests and `make demo` use:
#   etcd            http://127.0.0.1:${DEV_ETCD_PORT:-12379}   (peer ${DEV_ETCD_PEER_PORT:-12380})
#   kube-apiserver  https://127.0.0.1:${DEV_APISERVER_PORT:-16443}  (RBAC; admin client cert in system:masters)
#   registry        http://127.0.0.1:${DEV_REGISTRY_PORT:-15000}   (distribution, plain HTTP, deletes enabled)
# as background processes; state lives in the git-ignored .dev/ (run/*.pid, logs/*.log, pki/,
# etcd-data/, registry-data/, kubeconfig, env). Idempotent: starts only what is not running and
# returns quickly when everything is up. Missing binaries are built with hack/build-tools.sh.
# No controller-manager, scheduler or kubelet: objects are stored, nothing reconciles them (no pods run,
# deleted namespaces stay Terminating, no "default" ServiceAccount, so pods need one created first).
# Usage: hack/dev-up.sh        then: source .dev/env        stop: hack/dev-down.sh [--purge]
# Env: DEV_ETCD_PORT DEV_ETCD_PEER_PORT DEV_APISERVER_PORT DEV_REGISTRY_PORT DEV_START_TIMEOUT (s, 180)
#      DEV_REGISTRY_BIN (docker-registry) KUBECTL (kubectl) DOCKMASTER_CACHE (~/.cache/dockmaster)
set -euo pipefail

SCRIPT_NAME=dev-up
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A cluster that is up keeps the ports it was started with unless others are asked for, so `make
# demo` or `make run` after `DEV_APISERVER_PORT=... make dev-up` reuse it instead of failing.
PORTS_FILE="$DEV_DIR/ports"
if [[ -z "${DEV_ETCD_PORT:-}${DEV_ETCD_PEER_PORT:-}${DEV_APISERVER_PORT:-}${DEV_REGISTRY_PORT:-}" \
  && -f "$PORTS_FILE" ]]; then
  # shellcheck disable=SC1090
  source "$PORTS_FILE"
fi
ETCD_PORT="${DEV_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${DEV_ETCD_PEER_PORT:-12380}"
APISERVER_PORT="${DEV_APISERVER_PORT:-16443}"
REGISTRY_PORT="${DEV_REGISTRY_PORT:-15000}"
START_TIMEOUT="${DEV_START_TIMEOUT:-180}"
REGISTRY_BIN="${DEV_REGISTRY_BIN:-docker-registry}"
KUBECTL="${KUBECTL:-kubectl}"
SERVICE_CIDR="10.96.0.0/16"   # first address 10.96.0.1 is in the serving cert
KUBECONFIG_FILE="$DEV_DIR/kubeconfig"
ENV_FILE="$DEV_DIR/env"

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) die "unknown argument '$1' (usage: hack/dev-up.sh)" ;;
esac

for v in DEV_ETCD_PORT DEV_ETCD_PEER_PORT DEV_APISERVER_PORT DEV_REGISTRY_PORT DEV_START_TIMEOUT; do
  [[ "${!v:-0}" =~ ^[0-9]+$ ]] || die "$v='${!v}' is not a number"
done
if [[ "$(printf '%s\n' "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$REGISTRY_PORT" | sort -u | wc -l)" != 4 ]]; then
  die "ports must differ: etcd $ETCD_PORT, etcd peer $ETCD_PEER_PORT, kube-apiserver $APISERVER_PORT, registry $REGISTRY_PORT"
fi

now_ms() { local t="${EPOCHREALTIME//[.,]/}"; echo $((t / 1000)); }
t0="$(now_ms)"
elapsed() { local ms=$(($(now_ms) - ${1:-$t0})); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }
rel() { printf '%s\n' "${1#"$REPO_ROOT"/}"; }

# --- checks --------------------------------------------------------------------------------------

etcd_healthy() { [[ "$(curl -sf --max-time 3 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null)" == *'"health":"true"'* ]]; }
apiserver_ready() {
  [[ "$(curl -s --max-time 5 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" \
        "https://127.0.0.1:$APISERVER_PORT/readyz" 2>/dev/null)" == ok ]]
}
# Network-lab hosts (e2e-tests, io.dockmaster.e2e.lab) reach the API server through a forwarder on
# the lab bridge's address, so the serving cert must name it; older .dev/pki certs lack it.
LAB_BRIDGE_IP=198.18.0.1
apiserver_cert_has_lab_san() {
  openssl x509 -in "$PKI_DIR/apiserver.crt" -noout -ext subjectAltName 2>/dev/null \
    | grep -qwF "IP Address:$LAB_BRIDGE_IP"
}
apiserver_serves() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=5s get ns default -o name >/dev/null 2>&1; }
registry_ready() { curl -sf --max-time 3 -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/v2/" 2>/dev/null; }

# config_matches COMPONENT PID: the running process uses the ports this invocation asks for.
config_matches() {
  local want
  case "$1" in
    etcd) want="--listen-client-urls=http://127.0.0.1:$ETCD_PORT" ;;
    kube-apiserver) want="--secure-port=$APISERVER_PORT" ;;
    registry) grep -qxF "  addr: 127.0.0.1:$REGISTRY_PORT" "$REGISTRY_CONFIG" 2>/dev/null; return ;;
  esac
  _argv_matches "$2" "$(argv0_glob "$1")" "$want"
}

port_var() {
  case "$1" in
    "$ETCD_PORT") echo DEV_ETCD_PORT ;; "$ETCD_PEER_PORT") echo DEV_ETCD_PEER_PORT ;;
    "$APISERVER_PORT") echo DEV_APISERVER_PORT ;; "$REGISTRY_PORT") echo DEV_REGISTRY_PORT ;;
  esac
}
component_ports() {
  case "$1" in
    etcd) echo "$ETCD_PORT $ETCD_PEER_PORT" ;;
    kube-apiserver) echo "$APISERVER_PORT" ;;
    registry) echo "$REGISTRY_PORT" ;;
  esac
}

summary() {
  local api_bin
  api_bin="$(readlink -f "$BIN_DIR/kube-apiserver" 2>/dev/null || true)"
  cat <<EOF
  kube-apiserver  https://127.0.0.1:$APISERVER_PORT  ${api_bin##*/}, RBAC, admin in system:masters  (pid $(cat "$(pid_file kube-apiserver)"))
  etcd            http://127.0.0.1:$ETCD_PORT  peer $ETCD_PEER_PORT, data $(rel "$ETCD_DATA")  (pid $(cat "$(pid_file etcd)"))
  registry        127.0.0.1:$REGISTRY_PORT  plain HTTP, deletes on, data $(rel "$REGISTRY_DATA")  (pid $(cat "$(pid_file registry)"))
  kubeconfig      $(rel "$KUBECONFIG_FILE")   logs $(rel "$LOG_DIR")/
  use:  source $(rel "$ENV_FILE")    (KUBECONFIG, REGISTRY, DOCKMASTER_CACHE, KUBE_API_TEST_DIR)
  stop: hack/dev-down.sh   (--purge also deletes $(rel "$DEV_DIR")/)
EOF
}

write_env() {
  cat > "$ENV_FILE.tmp" <<EOF
# Generated by hack/dev-up.sh; source it: . $(rel "$ENV_FILE")
export KUBECONFIG='$KUBECONFIG_FILE'
export REGISTRY='127.0.0.1:$REGISTRY_PORT'
export DOCKMASTER_CACHE='$DOCKMASTER_CACHE'
export KUBE_API_TEST_DIR='$DOCKMASTER_CACHE/kube-api-test'
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  printf 'DEV_ETCD_PORT=%s\nDEV_ETCD_PEER_PORT=%s\nDEV_APISERVER_PORT=%s\nDEV_REGISTRY_PORT=%s\n' \
    "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$REGISTRY_PORT" > "$PORTS_FILE"
}

# The operator keeps its agent CA in its own namespace (dockmaster by default), as the chart
# installs it; `make run`, the demo and the end-to-end tests run it against this cluster.
ensure_operator_namespace() {
  "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get namespace dockmaster -o name >/dev/null 2>&1 \
    || "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" create namespace dockmaster >/dev/null \
    || die "cannot create namespace dockmaster"
}

# --- fast path: everything already up -----------------------------------------------------------

all_up=true
for c in "${DEV_COMPONENTS[@]}"; do
  pid="$(running_pid "$c")" || { all_up=false; continue; }
  config_matches "$c" "$pid" \
    || die "$c is already running (pid $pid) with other ports than requested; run hack/dev-down.sh first"
done
if $all_up && [[ -f "$KUBECONFIG_FILE" ]] && apiserver_cert_has_lab_san && etcd_healthy && apiserver_ready \
  && registry_ready; then
  ensure_operator_namespace
  [[ -f "$ENV_FILE" && -f "$PORTS_FILE" ]] || write_env
  say "already up ($(elapsed))"
  summary
  exit 0
fi

# --- prerequisites -------------------------------------------------------------------------------

command -v openssl >/dev/null || die "openssl not found; install it (apt-get install -y openssl)"
command -v curl >/dev/null || die "curl not found; install it (apt-get install -y curl)"
for t in setsid flock; do command -v "$t" >/dev/null || die "$t not found; install util-linux"; done
command -v "$KUBECTL" >/dev/null || die "kubectl not found; install kubectl or set KUBECTL=/path/to/kubectl"
command -v "$REGISTRY_BIN" >/dev/null \
  || die "$REGISTRY_BIN not found; install it (apt-get install -y docker-registry) or set DEV_REGISTRY_BIN=/path/to/registry"
REGISTRY_BIN="$(command -v "$REGISTRY_BIN")"

mkdir -p "$RUN_DIR" "$LOG_DIR" "$PKI_DIR" "$ETCD_DATA" "$REGISTRY_DATA"
chmod 700 "$PKI_DIR" "$ETCD_DATA"
exec 9> "$RUN_DIR/lock"
if ! flock -n 9; then
  say "waiting for another dev-up/dev-down to finish"
  flock -w 600 9 || die "another dev-up/dev-down still holds $(rel "$RUN_DIR")/lock after 600s; stop it first"
fi

# Build what is missing (cheap no-op when cached; build-tools.sh explains failures itself).
if ! "$REPO_ROOT/hack/build-tools.sh" 2>&1 | sed -u -e '/ cached$/d' -e '/kube-api-test layout:/d' >&2; then
  die "building tools failed (see above); fix it and re-run, or run hack/build-tools.sh directly"
fi
ETCD_BIN="$(readlink -f "$BIN_DIR/etcd")"
APISERVER_BIN="$(readlink -f "$BIN_DIR/kube-apiserver")"
[[ -x "$ETCD_BIN" ]] || die "etcd missing in $BIN_DIR after build; run hack/build-tools.sh etcd"
[[ -x "$APISERVER_BIN" ]] || die "kube-apiserver missing in $BIN_DIR after build; run hack/build-tools.sh kube-apiserver"

# Decide what to start; refuse before starting anything if one of its ports is taken by a stranger.
declare -A PID=()
to_start=()
for c in "${DEV_COMPONENTS[@]}"; do
  if pid="$(running_pid "$c")"; then
    PID[$c]="$pid"
    continue
  fi
  rm -f "$(pid_file "$c")"
  for port in $(component_ports "$c"); do
    owner="$(port_owner "$port")"
    [[ -z "$owner" ]] || die "port $port is in use by another process ($owner); stop it or set $(port_var "$port")=<free port>"
  done
  to_start+=("$c")
done

# --- pki / kubeconfig ----------------------------------------------------------------------------

openssl_cnf() {
  cat <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:10.96.0.1,IP:$LAB_BRIDGE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
[v3_client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
EOF
}

# RSA keys in PKCS#1 ("BEGIN RSA PRIVATE KEY"), readable by Go, fabric8 and older tooling alike;
# OpenSSL 3 writes PKCS#8 unless told -traditional (1.x writes PKCS#1 and does not know the flag).
GENRSA_FLAGS=(-traditional)
case "$(openssl version 2>/dev/null)" in "OpenSSL 1."* | LibreSSL*) GENRSA_FLAGS=() ;; esac
gen_key() { (umask 077 && openssl genrsa "${GENRSA_FLAGS[@]}" -out "$1" 2048 2>/dev/null); }
gen_ca() { # name CN
  gen_key "$PKI_DIR/$1.key"
  openssl req -x509 -new -key "$PKI_DIR/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
    -config "$PKI_DIR/openssl.cnf" -extensions v3_ca -out "$PKI_DIR/$1.crt" 2>/dev/null
}
gen_leaf() { # name subject ca extensions
  gen_key "$PKI_DIR/$1.key"
  openssl req -new -key "$PKI_DIR/$1.key" -subj "$2" -config "$PKI_DIR/openssl.cnf" -out "$PKI_DIR/$1.csr" 2>/dev/null
  openssl x509 -req -in "$PKI_DIR/$1.csr" -CA "$PKI_DIR/$3.crt" -CAkey "$PKI_DIR/$3.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 \
    -extfile "$PKI_DIR/openssl.cnf" -extensions "$4" -out "$PKI_DIR/$1.crt" 2>/dev/null
  rm -f "$PKI_DIR/$1.csr"
}
missing_any() { local f; for f in "$@"; do [[ -s "$PKI_DIR/$f" ]] || return 0; done; return 1; }

ensure_pki() {
  local made=()
  openssl_cnf > "$PKI_DIR/openssl.cnf"
  if missing_any ca.key ca.crt apiserver.key apiserver.crt; then
    gen_ca ca dockmaster-dev-ca
    gen_leaf apiserver /CN=kube-apiserver ca v3_server
    made+=("serving CA + kube-apiserver cert")
  elif ! apiserver_cert_has_lab_san; then
    gen_leaf apiserver /CN=kube-apiserver ca v3_server
    made+=("kube-apiserver cert (same CA, adds IP:$LAB_BRIDGE_IP)")
  fi
  if missing_any client-ca.key client-ca.crt admin.key admin.crt; then
    gen_ca client-ca dockmaster-dev-client-ca
    gen_leaf admin "/O=system:masters/CN=dockmaster-admin" client-ca v3_client
    made+=("client CA + admin cert (O=system:masters)")
  fi
  if missing_any sa.key sa.pub; then
    gen_key "$PKI_DIR/sa.key"
    openssl rsa -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null
    made+=("service-account key pair")
  fi
  if ((${#made[@]})); then
    [[ -z "${PID[kube-apiserver]:-}" ]] \
      || die "regenerated certificates while kube-apiserver runs with the old ones; run hack/dev-down.sh, then dev-up again"
    local list; list="$(printf '%s; ' "${made[@]}")"
    say "generated in $(rel "$PKI_DIR"): ${list%; }"
  fi
}

write_kubeconfig() {
  (umask 077 && cat > "$KUBECONFIG_FILE.tmp") <<EOF
apiVersion: v1
kind: Config
clusters:
- name: dockmaster-dev
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 < "$PKI_DIR/ca.crt")
users:
- name: dockmaster-admin
  user:
    client-certificate-data: $(base64 -w0 < "$PKI_DIR/admin.crt")
    client-key-data: $(base64 -w0 < "$PKI_DIR/admin.key")
contexts:
- name: dockmaster-dev
  context:
    cluster: dockmaster-dev
    user: dockmaster-admin
current-context: dockmaster-dev
EOF
  mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
}

ensure_pki
write_kubeconfig
if [[ " ${to_start[*]} " == *" registry "* ]]; then
  sed -e "s|@REGISTRY_ADDR@|127.0.0.1:$REGISTRY_PORT|" -e "s|@REGISTRY_DATA@|$REGISTRY_DATA|" \
    "$REPO_ROOT/hack/registry-config.yml" > "$REGISTRY_CONFIG"
fi

# --- start / wait --------------------------------------------------------------------------------

# start COMPONENT CMD...: detached (own session, stdin closed), output to .dev/logs/COMPONENT.log
# (the previous run's log is kept as .log.prev). A non-interactive shell's background child is no
# process-group leader, so setsid(1) does not fork and $! is the daemon's pid.
start() {
  local c="$1" log; shift
  log="$(log_file "$c")"
  [[ -f "$log" ]] && mv -f "$log" "$log.prev"
  setsid "$@" < /dev/null >> "$log" 2>&1 9>&- &   # 9>&-: the daemon must not inherit (and hold) our lock
  PID[$c]=$!
  echo "$!" > "$(pid_file "$c")"
  say "started $c (pid $!, log $(rel "$log"))"
}

# wait_until COMPONENT WHAT CHECK...: polls CHECK until it succeeds; fails fast if the process dies.
wait_until() {
  local c="$1" what="$2" t start; shift 2
  start="$(now_ms)"
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@"; do
    if ! proc_alive "${PID[$c]}" && ! running_pid "$c" >/dev/null; then
      tail -n 5 "$(log_file "$c")" | sed 's/^/    /' >&2 || true
      die "$c exited while waiting for $what; see $(rel "$(log_file "$c")")"
    fi
    ((SECONDS < deadline)) \
      || die "$c: no $what after ${START_TIMEOUT}s; see $(rel "$(log_file "$c")") (DEV_START_TIMEOUT raises the limit)"
    sleep 0.3
  done
  t="$(elapsed "$start")"
  say "$c: $what ($t)"
}

starting() { [[ " ${to_start[*]} " == *" $1 "* ]]; }

if starting etcd; then
  start etcd "$ETCD_BIN" --name=dockmaster-dev "--data-dir=$ETCD_DATA" \
    "--listen-client-urls=http://127.0.0.1:$ETCD_PORT" "--advertise-client-urls=http://127.0.0.1:$ETCD_PORT" \
    "--listen-peer-urls=http://127.0.0.1:$ETCD_PEER_PORT" "--initial-advertise-peer-urls=http://127.0.0.1:$ETCD_PEER_PORT" \
    "--initial-cluster=dockmaster-dev=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state=new \
    --log-level=warn
fi
if starting registry; then
  start registry "$REGISTRY_BIN" serve "$REGISTRY_CONFIG"
fi
wait_until etcd "health ok" etcd_healthy

# Listens on loopback only. --endpoint-reconciler-type=none: the "kubernetes" Service keeps no
# Endpoints, because Endpoints may not hold a loopback address (the default reconciler would log
# "may not be in the loopback range" every 10s) and nothing here could reach a Service IP anyway.
if starting kube-apiserver; then
  start kube-apiserver "$APISERVER_BIN" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 "--secure-port=$APISERVER_PORT" \
    --endpoint-reconciler-type=none \
    "--etcd-servers=http://127.0.0.1:$ETCD_PORT" \
    "--tls-cert-file=$PKI_DIR/apiserver.crt" "--tls-private-key-file=$PKI_DIR/apiserver.key" \
    "--cert-dir=$PKI_DIR" "--client-ca-file=$PKI_DIR/client-ca.crt" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    "--service-account-key-file=$PKI_DIR/sa.pub" "--service-account-signing-key-file=$PKI_DIR/sa.key" \
    "--service-cluster-ip-range=$SERVICE_CIDR" \
    --allow-privileged=true
fi
# Components that were already running are waited for too: they have to be healthy as well.
wait_until registry "/v2/ answering" registry_ready
wait_until kube-apiserver "/readyz ok" apiserver_ready
wait_until kube-apiserver "namespace default served" apiserver_serves

ensure_operator_namespace
write_env
say "up in $(elapsed)"
summary
