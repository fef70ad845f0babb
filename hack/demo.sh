#!/usr/bin/env bash
# make demo: the dev control plane, the CRDs applied with kubectl, the operator from the build, and
# an ImagePolicy and an ImageMirror reconciled, each step said before it runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31mdemo: %s\033[0m\n' "$*" >&2; exit 1; }
trap 'fail "step failed (line $LINENO); see the output above and .dev/logs/"' ERR

step "Building dockmaster.jar (skipped when it is newer than the sources)"
if [[ ! -f operator/target/dockmaster.jar ]] || [[ -n "$(find operator/src pom.xml operator/pom.xml -newer operator/target/dockmaster.jar -print -quit)" ]]; then
  mvn -B -ntp -q -DskipTests package
fi

step "Installing what this machine lacks: the registry, openssl, curl (Debian packages)"
hack/install-packages.sh docker-registry openssl curl

step "Starting the dev control plane (etcd, kube-apiserver, registry) and tools"
hack/dev-up.sh
# shellcheck disable=SC1091
source .dev/env
CRANE="$DOCKMASTER_CACHE/bin/crane"
# The examples name the dev registry at its default address; a cluster started on other ports
# (DEV_REGISTRY_PORT) serves it elsewhere.
example() { sed "s|127\.0\.0\.1:15000|$REGISTRY|g" "docs/examples/$1"; }

# --force-conflicts: the CRDs may have been installed by helm before (make test does); take them over.
step "Installing the CRDs: kubectl apply --server-side --force-conflicts -f crds/"
kubectl apply --server-side --force-conflicts -f crds/
kubectl wait --for condition=Established --timeout=60s crd/imagepolicies.dockmaster.io crd/imagemirrors.dockmaster.io

step "Pushing demo images to $REGISTRY with crane"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/layer" && echo "hello from dockmaster" > "$work/layer/index.html"
for tag in 1.0 1.1; do
  echo "demo web $tag" > "$work/layer/version.txt"
  tar -cf "$work/layer.tar" -C "$work/layer" .
  # crane logs every request; only its errors are worth showing.
  "$CRANE" append -f "$work/layer.tar" -t "$REGISTRY/demo/web:$tag" --insecure 2> >(grep -i error >&2) >/dev/null
  "$CRANE" mutate --user 1000 --set-platform linux/amd64 -t "$REGISTRY/demo/web:$tag" "$REGISTRY/demo/web:$tag" --insecure 2> >(grep -i error >&2) >/dev/null
  echo "  $REGISTRY/demo/web:$tag -> $("$CRANE" digest "$REGISTRY/demo/web:$tag" --insecure)"
done
"$CRANE" mutate --user 0 -t "$REGISTRY/demo/web:root" "$REGISTRY/demo/web:1.0" --insecure 2> >(grep -i error >&2) >/dev/null
echo "  $REGISTRY/demo/web:root -> $("$CRANE" digest "$REGISTRY/demo/web:root" --insecure) (runs as root, unsigned)"
# Three 8 MiB layers of random bytes: something for the agents to pass around.
for i in 1 2 3; do
  mkdir -p "$work/data$i" && head -c $((8 * 1024 * 1024)) /dev/urandom > "$work/data$i/blob-$i.bin"
  tar -cf "$work/data$i.tar" -C "$work/data$i" .
  base=(); [[ $i -gt 1 ]] && base=(-b "$REGISTRY/demo/data:1")
  "$CRANE" append "${base[@]}" -f "$work/data$i.tar" -t "$REGISTRY/demo/data:1" --insecure 2> >(grep -i error >&2) >/dev/null
done
echo "  $REGISTRY/demo/data:1 -> $("$CRANE" digest "$REGISTRY/demo/data:1" --insecure) (3 layers, 24 MiB)"

step "Signing demo/web:1.0 with cosign (a fresh key pair, no transparency log)"
COSIGN="$DOCKMASTER_CACHE/bin/cosign"
signed_digest="$("$CRANE" digest "$REGISTRY/demo/web:1.0" --insecure)"
(cd "$work" && COSIGN_PASSWORD= HOME="$work" "$COSIGN" generate-key-pair >/dev/null 2>&1)
COSIGN_PASSWORD= HOME="$work" "$COSIGN" sign --key "$work/cosign.key" --tlog-upload=false \
  --allow-insecure-registry --allow-http-registry --yes "$REGISTRY/demo/web@$signed_digest" 2>&1 | grep -iv "^$" | tail -1
echo "  signed $REGISTRY/demo/web@$signed_digest"

step "Starting the operator with its admission webhook registered for this cluster (log: .dev/logs/operator.log)"
mkdir -p .dev/logs .dev/run
# The demo's agents run with the dev admin's credentials, so the operator signs agent certificates
# for that user; in a cluster they are the agent DaemonSet's service account, bound to its node.
java -jar operator/target/dockmaster.jar operator --health-port 0 --bind-address 127.0.0.1 \
  --webhook-mode local --webhook-port 0 \
  --agent-requester dockmaster-admin --no-agent-node-binding > .dev/logs/operator.log 2>&1 &
echo $! > .dev/run/operator.pid
stop_pid() {
  local pid; pid="$(cat "$1" 2>/dev/null)" || return 0
  kill "$pid" 2>/dev/null && while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  rm -f "$1"
}
stop_operator() {
  local agent
  for agent in .dev/run/agent-*.pid; do stop_pid "$agent"; done
  stop_pid .dev/run/operator.pid
  # The operator removes its local webhook registration on the way out; make sure of it.
  kubectl delete validatingwebhookconfiguration dockmaster --ignore-not-found >/dev/null 2>&1 || true
}
trap 'stop_operator; rm -rf "$work"' EXIT
for _ in $(seq 60); do grep -q "operator started" .dev/logs/operator.log && break; sleep 1; done
grep -q "operator started" .dev/logs/operator.log || fail "the operator did not start; see .dev/logs/operator.log"
grep "operator started" .dev/logs/operator.log

# A demo run starts from scratch, so every step shows what it says.
kubectl delete imagepolicy demo --ignore-not-found >/dev/null
kubectl delete imagemirror demo --ignore-not-found >/dev/null

step "A malformed policy is refused by the API server itself"
if kubectl apply -f - <<'YAML' 2>&1; then fail "the API server accepted mode: Sometimes"; fi
apiVersion: dockmaster.io/v1alpha1
kind: ImagePolicy
metadata: {name: demo-bad}
spec: {mode: Sometimes}
YAML

step "Applying an ImagePolicy whose key Secret does not exist yet"
kubectl delete secret release-key --ignore-not-found >/dev/null
example imagepolicy.yaml | kubectl apply -f -
kubectl wait --for=jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'=InvalidSpec --timeout=60s imagepolicy/demo
kubectl get imagepolicy demo -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}{"\n"}'

step "Creating the key Secret from cosign.pub and applying the policy again"
kubectl create secret generic release-key --from-file=cosign.pub="$work/cosign.pub"
# Key Secrets are re-read every 5 minutes; re-creating the policy picks the key up at once.
example imagepolicy.yaml | kubectl delete -f - >/dev/null
example imagepolicy.yaml | kubectl apply -f -
kubectl wait --for=condition=Ready --timeout=120s imagepolicy/demo
kubectl get imagepolicies

step "A signed, non-root Deployment is admitted"
kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# The dev cluster runs no controller-manager, so the default ServiceAccount is made by hand.
kubectl -n demo create serviceaccount default --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n demo delete deployment web root --ignore-not-found >/dev/null
deployment() {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: demo}
spec:
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers: [{name: $1, image: "$2"}]
YAML
}
deployment web "$REGISTRY/demo/web:1.0" | kubectl apply -f -

step "An unsigned Deployment running as root is refused at apply time, with every reason"
if deployment root "$REGISTRY/demo/web:root" | kubectl apply -f -; then
  fail "the webhook admitted an unsigned root image"
fi

step "Starting three node agents on loopback (logs: .dev/logs/agent-node-N.log)"
# Each gets its certificate through a CertificateSigningRequest the operator signs, and announces
# itself with a Lease; on a real cluster they are the agent DaemonSet, one per node.
for i in 1 2 3; do
  rm -rf ".dev/agents/node-$i"
  java -XX:+UseSerialGC -Xmx256m -jar operator/target/dockmaster.jar agent --node "node-$i" \
    --advertise-address 127.0.0.1 --peer-bind-address 127.0.0.1 --health-bind-address 127.0.0.1 \
    --peer-port $((30020 + 10 * i)) --runtime-port $((30021 + 10 * i)) --health-port $((30022 + 10 * i)) \
    --cache-dir ".dev/agents/node-$i" --cache-size 1Gi > ".dev/logs/agent-node-$i.log" 2>&1 &
  echo $! > ".dev/run/agent-$i.pid"
done
for i in 1 2 3; do
  for _ in $(seq 60); do grep -q "agent for node" ".dev/logs/agent-node-$i.log" && break; sleep 1; done
  grep -q "agent for node" ".dev/logs/agent-node-$i.log" || fail "agent node-$i did not start; see .dev/logs/agent-node-$i.log"
done
kubectl get leases -n dockmaster -l app.kubernetes.io/component=dockmaster-agent
kubectl get csr -o custom-columns=NAME:.metadata.name,SIGNER:.spec.signerName,REQUESTER:.spec.username,CONDITION:.status.conditions[0].type | grep agents.dockmaster.io | tail -3

step "Applying an ImageMirror: every layer onto every node, each from the registry about once"
example imagemirror.yaml | kubectl apply -f -
for _ in $(seq 120); do
  kubectl get imagemirror demo --no-headers 2>/dev/null | sed 's/^/  /'
  [[ "$(kubectl get imagemirror demo -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]] && break
  sleep 1
done
kubectl wait --for=condition=Ready --timeout=10s imagemirror/demo
kubectl get imagemirrors -o wide
kubectl get imagemirror demo -o jsonpath='{range .status.images[*]}  {.reference} {.digest} {.layers} layer(s) {.bytes} bytes{"\n"}{end}'
kubectl get imagemirror demo -o jsonpath='  from the registry: {.status.bytesFromUpstream} bytes; from peer nodes: {.status.bytesFromPeers} bytes{"\n"}'
kubectl get imagemirror demo -o jsonpath='  {.status.conditions[?(@.type=="Progressing")].message}{"\n"}'

step "Events the operator recorded"
kubectl get events -n default --field-selector involvedObject.kind=ImageMirror -o custom-columns=TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message
kubectl get events -n default --field-selector involvedObject.kind=ImagePolicy -o custom-columns=TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message

step "Done. Where to look next"
cat <<TEXT
  source .dev/env                      # KUBECONFIG and REGISTRY for your shell
  kubectl describe imagemirror demo     # conditions, resolved digests, node counts, failures, events
  kubectl get leases -n dockmaster      # the agents, one Lease per node
  docs/distribution.md                  # how layers travel, node setup, the security model
  kubectl explain imagepolicy.spec      # every field documented
  make run                              # the operator in the foreground against the dev cluster
  make dev-down                         # stop etcd, kube-apiserver and the registry
TEXT
