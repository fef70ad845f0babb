#!/usr/bin/env bash
# make bench-p2p: P2P prefetching against pulling straight from the registry, on the network lab
# (e2e-tests/.../e2e/lab): N nodes, each its own network namespace with a tbf-shaped link, a lab
# registry with a capped uplink, the operator on this host and one agent JVM per node. Runs
# Dockmaster with fresh agent JVMs, the naive pull (curl on every node at once), Dockmaster again
# until the agents' JIT is warm (BENCH_WARMUP_RUNS), then once more (the reported figure), then the
# warm run's plan carried out by socat/tee/openssl pipelines instead of agents, in plain TCP and in
# TLS (the lab's floor on this machine: same links, same bytes, every byte written and hashed).
# Prints each run's makespan, the bytes the registry served (from its log) and the ratio to the
# Kumar-Ross bound; then the agents' peak RSS, where their CPU went and the operator's CPU time
# per planned transfer. The last line is one JSON object. A measurement, not a test: it fails only
# when something does not work, never on a number.
#   1. builds dockmaster.jar and the benchmark when the sources are newer
#   2. uses the dev cluster of this work tree if it answers, else starts it (hack/dev-up.sh) and
#      stops it again afterwards (BENCH_KEEP_CLUSTER=1 keeps it)
#   3. runs io.dockmaster.bench.P2PBench; one network lab runs per machine, so it waits while
#      another holds 198.18.0.1
# Needs root (network namespaces, veths, tc), curl, crane (built by hack/build-tools.sh), and for
# the floor runs socat and openssl (apt-get install socat openssl).
# The naive run takes about NODES x SIZE_MIB x 8 / UPSTREAM_MBIT seconds (~14 min at the defaults).
# Interrupting it (Ctrl-C, SIGTERM) removes the lab, its processes and its Kubernetes namespace; a
# run killed outright is cleaned up by the next one. Report: target/bench-p2p.txt.
# Env: NODES (20) SIZE_MIB (500) LAYERS (5) RATE_MBIT (100, each node's up and down link)
#      LARGEST_PCT (0: equal layers; else the largest layer's share of the image in percent, the
#      other layers splitting the rest, as in images with one big layer)
#      UPSTREAM_MBIT (100, the registry's uplink) BENCH_NAIVE (1; 0 skips the naive pull)
#      SLOW_NODES (0) SLOW_MBIT: the last SLOW_NODES nodes get SLOW_MBIT links instead, which their
#      agents are not told of (a degraded NIC, a busy node); the full-rate nodes' finish is printed;
#      SLOW_FROM (1-based) makes them the SLOW_FROM-th and on instead (mid-chain: chains go by name)
#      BENCH_FLOOR (1; 0 skips the two floor runs)
#      BENCH_FILL_MEMORY (1; 0 skips first filling free memory with page cache, which evens out
#      a virtual machine's cost of touching memory it has not used lately)
#      BENCH_AGENT_JAVA_OPTS (JVM options of every agent; default in P2PLabSettings, the chart's JIT)
#      BENCH_WARMUP_RUNS (2: Dockmaster runs before the measured one, the fresh-JVM run the first;
#      the agents' C2 compiler takes about two runs of a 500 MiB image to settle)
#      DOCKMASTER_RELAY_WINDOW (the agents' --relay-window, which they read from the environment)
#      BENCH_JAVA_OPTS (JVM options of the benchmark JVM) BENCH_KEEP_LOGS (0; 1 keeps the logs)
set -euo pipefail
SCRIPT_NAME=bench-p2p
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'bench-p2p: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,37s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) die "unknown argument '$1' (usage: hack/bench-p2p.sh; settings via NODES, SIZE_MIB, ... variables)" ;;
esac

for var in NODES SIZE_MIB LAYERS RATE_MBIT UPSTREAM_MBIT SLOW_MBIT SLOW_FROM BENCH_WARMUP_RUNS; do
  value="${!var:-}"
  [[ -z "$value" || "$value" =~ ^[1-9][0-9]*$ ]] || die "$var must be a positive whole number, got '$value'"
done
[[ -z "${SLOW_NODES:-}" || "$SLOW_NODES" =~ ^(0|[1-9][0-9]*)$ ]] \
  || die "SLOW_NODES must be a whole number below NODES, got '$SLOW_NODES'"
[[ "${SLOW_NODES:-0}" == 0 || -n "${SLOW_MBIT:-}" ]] || die "SLOW_NODES=$SLOW_NODES needs SLOW_MBIT"
[[ -z "${LARGEST_PCT:-}" || "$LARGEST_PCT" =~ ^(0|[1-9][0-9]?)$ ]] \
  || die "LARGEST_PCT must be 0 (equal layers) or a whole percentage below 100, got '$LARGEST_PCT'"
((EUID == 0)) || die "the network lab needs root (network namespaces, veths, tc); run it as root"
command -v curl >/dev/null || die "curl is missing (apt-get install curl)"
if [[ "${BENCH_FLOOR:-1}" != 0 ]]; then
  for tool in socat openssl; do
    command -v "$tool" >/dev/null \
      || die "$tool is missing for the floor runs (apt-get install $tool, or BENCH_FLOOR=0)"
  done
fi

# shellcheck source-path=SCRIPTDIR source=lib.sh
source hack/lib.sh
[[ -x "$BIN_DIR/crane" ]] || { step "Building crane (hack/build-tools.sh crane)"; hack/build-tools.sh crane; }

JAR=operator/target/dockmaster.jar
CLASSES=e2e-tests/target/test-classes
MAIN_CLASS="$CLASSES/io/dockmaster/bench/P2PBench.class"
if [[ ! -f "$JAR" || ! -f "$MAIN_CLASS" ]] \
  || [[ -n "$(find operator/src e2e-tests/src pom.xml operator/pom.xml e2e-tests/pom.xml \
              -newer "$JAR" -print -quit)" ]] \
  || [[ -n "$(find e2e-tests/src/test/java -newer "$MAIN_CLASS" -print -quit)" ]]; then
  step "Building dockmaster.jar and the benchmark (mvn package, tests skipped)"
  mvn -B -ntp -q -DskipTests -Dspotless.check.skip=true package
fi

# The lab waits with awaitility (a test dependency; the jar does not have it) and so needs hamcrest.
M2="${MAVEN_REPO:-$HOME/.m2/repository}"
AWAITILITY_VERSION="$(sed -n 's:.*<awaitility.version>\(.*\)</awaitility.version>.*:\1:p' pom.xml)"
AWAITILITY="$M2/org/awaitility/awaitility/$AWAITILITY_VERSION/awaitility-$AWAITILITY_VERSION.jar"
HAMCREST="$(find "$M2/org/hamcrest/hamcrest" -name 'hamcrest-*.jar' ! -name '*sources*' 2>/dev/null | sort -V | tail -n1)"
[[ -f "$AWAITILITY" && -n "$HAMCREST" ]] \
  || die "awaitility $AWAITILITY_VERSION or hamcrest is missing from $M2: run mvn -DskipTests package once online"

started_cluster=false
if [[ -f .dev/env ]] && kubectl --kubeconfig .dev/kubeconfig --request-timeout=5s get --raw /readyz >/dev/null 2>&1; then
  step "Using the running dev cluster (.dev/kubeconfig)"
else
  step "Starting the dev cluster (hack/dev-up.sh)"
  started_cluster=true
  hack/dev-up.sh >/dev/null
fi
# shellcheck disable=SC1091
source .dev/env

work="$(mktemp -d -t dockmaster-bench-p2p-XXXXXX)"
bench_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$bench_pid" ]] && kill -0 "$bench_pid" 2>/dev/null; then
    # Its shutdown hook removes the lab, the operator and the Kubernetes namespace.
    echo "bench-p2p: stopping the benchmark (pid $bench_pid) and cleaning up" >&2
    kill -TERM "$bench_pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$bench_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$bench_pid" 2>/dev/null || true
  fi
  if ((status != 0)) || [[ "${BENCH_KEEP_LOGS:-0}" == 1 ]]; then
    # The caches and registry storage are many GiB; the logs are what explains a run.
    rm -rf "$work/cache" "$work/registry/storage" "$work"/image-* "$work"/floor/*/*/*.blob "$work/memory-fill"
    echo "bench-p2p: operator, agent, registry and curl logs are in $work" >&2
  else
    rm -rf "$work"
  fi
  if $started_cluster && [[ "${BENCH_KEEP_CLUSTER:-0}" != 1 ]]; then
    hack/dev-down.sh >/dev/null || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# On a virtual machine whose host backs guest memory only when first touched and takes freed pages
# back (free page reporting, as here), writing into memory the guest has not used lately costs
# several times a write into memory in use: 2.5 against 0.35 s of kernel CPU per GiB written with
# dd on the machine this was measured on. The runs would pay it unequally: the first ones write
# their caches into free memory, later ones reuse page cache. So first all free memory becomes page
# cache of a sparse file (no disk space, no writeback), kept until the end; every run then writes
# into memory in use, as on a node that has been up for a while.
if [[ "${BENCH_FILL_MEMORY:-1}" != 0 ]]; then
  free_mib="$(awk '/^MemFree:/ {print int($2 / 1024)}' /proc/meminfo)"
  step "Filling ${free_mib} MiB of free memory with page cache (BENCH_FILL_MEMORY=0 skips this)"
  truncate -s "${free_mib}M" "$work/memory-fill"
  dd if="$work/memory-fill" of=/dev/null bs=1M status=none
fi

step "Running the benchmark (${NODES:-20} nodes, ${SIZE_MIB:-500} MiB in ${LAYERS:-5} layers, ${RATE_MBIT:-100} Mbit/s per node, registry ${UPSTREAM_MBIT:-100} Mbit/s)"
mkdir -p target
# In the background so that a signal to this script reaches the JVM as SIGTERM (see cleanup).
# shellcheck disable=SC2086 # word splitting of the option list is intended
java ${BENCH_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m} -cp "$JAR:$CLASSES:$AWAITILITY:$HAMCREST" \
  io.dockmaster.bench.P2PBench \
  --root="$ROOT" \
  --kubeconfig="$KUBECONFIG" \
  --work-dir="$work" \
  --nodes="${NODES:-20}" \
  --size-mib="${SIZE_MIB:-500}" \
  --layers="${LAYERS:-5}" \
  --largest-pct="${LARGEST_PCT:-0}" \
  --rate-mbit="${RATE_MBIT:-100}" \
  --upstream-mbit="${UPSTREAM_MBIT:-100}" \
  --slow-nodes="${SLOW_NODES:-0}" \
  --slow-mbit="${SLOW_MBIT:-0}" \
  --slow-from="${SLOW_FROM:-0}" \
  --naive="$([[ "${BENCH_NAIVE:-1}" == 0 ]] && echo false || echo true)" \
  --floor="$([[ "${BENCH_FLOOR:-1}" == 0 ]] && echo false || echo true)" \
  --agent-jvm-options="${BENCH_AGENT_JAVA_OPTS:-}" \
  --warmup-runs="${BENCH_WARMUP_RUNS:-2}" \
  > >(tee target/bench-p2p.txt) 2>&1 &
bench_pid=$!
wait "$bench_pid"
