#!/usr/bin/env bash
# make bench-admission: measures the admission webhook in one run and prints the figures beside the
# issue's targets (warm p99 < 5 ms at 500 req/s; cold within the registry round trips + 20 ms;
# kubectl create with the webhook < 1.2x without). A measurement, not a test: it fails only when
# something does not work (a wrong verdict, a webhook that does not start), never on a number.
#   1. builds dockmaster.jar and the benchmark (test sources of e2e-tests) when the sources are newer
#   2. starts the dev cluster (hack/dev-up.sh) unless it is up; stops it again afterwards if it
#      started it (BENCH_KEEP_CLUSTER=1 keeps it)
#   3. runs io.dockmaster.bench.AdmissionBenchmark, which pushes and signs its images with crane and
#      cosign, starts the jar in --webhook-mode local and drives it; all traffic stays on 127.0.0.1
# Takes 2-5 minutes after the build (longer while other processes keep the CPUs busy: a disturbed
# window is measured again). The report is also written to target/bench-admission.txt.
# Env: BENCH_RATE (500) BENCH_SECONDS (20) BENCH_WARM_UP_SECONDS (10) BENCH_CONNECTIONS (8)
#      BENCH_CLOSED_LOOP_SECONDS (10) BENCH_COLD_IMAGES (50) BENCH_PODS (30)
#      BENCH_PROFILE=1 (JFR profile of the webhook during the warm phase, summarised in the output)
#      BENCH_QUIET_WAIT (s, 60: how long to wait, before each phase, for other processes' CPU use
#      to drop below a third of a core; the report shows what they used during each window)
#      BENCH_WEBHOOK_JAVA_OPTS (JVM options for dockmaster.jar, e.g. "-XX:+UseZGC"; default none)
#      BENCH_JAVA_OPTS (JVM options of the load generator)
#      BENCH_PORT_WAIT (s, 300: how long to wait for dev ports held by another work tree's cluster)
set -euo pipefail
SCRIPT_NAME=bench-admission
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'bench-admission: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,21s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) die "unknown argument '$1' (usage: hack/bench-admission.sh; settings via BENCH_* variables)" ;;
esac

JAR=operator/target/dockmaster.jar
CLASSES=e2e-tests/target/test-classes
MAIN_CLASS="$CLASSES/io/dockmaster/bench/AdmissionBenchmark.class"
if [[ ! -f "$JAR" || ! -f "$MAIN_CLASS" ]] \
  || [[ -n "$(find operator/src e2e-tests/src pom.xml operator/pom.xml e2e-tests/pom.xml \
              -newer "$JAR" -print -quit)" ]] \
  || [[ -n "$(find e2e-tests/src/test/java/io/dockmaster/bench -newer "$MAIN_CLASS" -print -quit)" ]]; then
  step "Building dockmaster.jar and the benchmark (mvn package, tests skipped)"
  mvn -B -ntp -q -DskipTests -Dspotless.check.skip=true package
fi

# A dev cluster of another work tree (or a CI run) may hold the ports: wait for it rather than fail.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source hack/lib.sh
started_cluster=false
deadline=$((SECONDS + ${BENCH_PORT_WAIT:-300}))
for component in "${DEV_COMPONENTS[@]}"; do
  running_pid "$component" >/dev/null && continue
  started_cluster=true
  case "$component" in
    etcd) ports="${DEV_ETCD_PORT:-12379} ${DEV_ETCD_PEER_PORT:-12380}" ;;
    kube-apiserver) ports="${DEV_APISERVER_PORT:-16443}" ;;
    registry) ports="${DEV_REGISTRY_PORT:-15000}" ;;
  esac
  for port in $ports; do
    while [[ -n "$(port_owner "$port")" ]]; do
      ((SECONDS < deadline)) || die "port $port is still held by $(port_owner "$port"); stop it or set BENCH_PORT_WAIT"
      step "port $port is held by $(port_owner "$port") (another dev cluster?); waiting"
      sleep 10
    done
  done
done
step "Starting the dev cluster (hack/dev-up.sh)"
hack/dev-up.sh >/dev/null
# shellcheck disable=SC1091
source .dev/env

work="$(mktemp -d -t dockmaster-bench-XXXXXX)"
cleanup() {
  local status=$?
  if ((status != 0)); then
    # The jar removes its webhook registration when it stops; a killed run might not have.
    kubectl delete validatingwebhookconfiguration dockmaster --ignore-not-found >/dev/null 2>&1 || true
    echo "bench-admission: failed; the webhook's log is $work/operator.log" >&2
  else
    rm -rf "$work"
  fi
  if $started_cluster && [[ "${BENCH_KEEP_CLUSTER:-0}" != 1 ]]; then
    hack/dev-down.sh >/dev/null || true
  fi
}
trap cleanup EXIT

step "Running the benchmark (2-5 minutes)"
mkdir -p target
# The load generator's own GC pauses would count as webhook latency (requests are timed from their
# due time): a fixed heap with a large serial young generation keeps them few and short.
# shellcheck disable=SC2086 # word splitting of the option lists is intended
java ${BENCH_JAVA_OPTS:--XX:+UseSerialGC -Xms256m -Xmx256m -Xmn128m} -cp "$JAR:$CLASSES" \
  io.dockmaster.bench.AdmissionBenchmark \
  --root="$ROOT" \
  --tools="$DOCKMASTER_CACHE/bin" \
  --kubeconfig="$KUBECONFIG" \
  --registry="$REGISTRY" \
  --dev-dir="$ROOT/.dev" \
  --work-dir="$work" \
  --rate="${BENCH_RATE:-500}" \
  --seconds="${BENCH_SECONDS:-20}" \
  --warm-up-seconds="${BENCH_WARM_UP_SECONDS:-10}" \
  --connections="${BENCH_CONNECTIONS:-8}" \
  --closed-loop-seconds="${BENCH_CLOSED_LOOP_SECONDS:-10}" \
  --cold-images="${BENCH_COLD_IMAGES:-50}" \
  --pods="${BENCH_PODS:-30}" \
  --quiet-wait-seconds="${BENCH_QUIET_WAIT:-60}" \
  --webhook-jvm-options="${BENCH_WEBHOOK_JAVA_OPTS:-}" \
  --profile="$([[ "${BENCH_PROFILE:-0}" == 1 ]] && echo true || echo false)" \
  | tee target/bench-admission.txt
