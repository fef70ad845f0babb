#!/usr/bin/env bash
# Builds the third-party binaries the tests and the dev cluster need, with the Go toolchain,
# into a cache outside the work tree so only the first run pays for it.
#   kube-apiserver  from k8s.io/kubernetes (wrapper module pinning the staging modules)
#   etcd            from go.etcd.io/etcd/server/v3 (wrapper main calling etcdmain)
#   crane           from github.com/google/go-containerregistry (test images are built with it)
#   cosign          from github.com/sigstore/cosign (test images are signed with it)
#   helm            from helm.sh/helm/v3 (the chart in helm/dockmaster is linted, rendered and installed with it)
#   kube-api-test-layout  symlinks the above into the directory layout fabric8 kube-api-test looks in:
#                   $KUBE_API_TEST_DIR/k8s/<version>-<os>-<arch>/{kube-apiserver,etcd,kubectl}
# Usage: hack/build-tools.sh [tool...]   (default: all)
set -euo pipefail

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
CRANE_VERSION="${CRANE_VERSION:-v0.22.1}"
COSIGN_VERSION="${COSIGN_VERSION:-v2.6.5}"
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
CACHE_DIR="${DOCKMASTER_CACHE:-$HOME/.cache/dockmaster}"
BIN_DIR="$CACHE_DIR/bin"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$CACHE_DIR/kube-api-test}"
mkdir -p "$BIN_DIR"

log() { printf '[build-tools] %s\n' "$*" >&2; }

need_go() {
  command -v go >/dev/null || { log "go is not installed; install Go 1.24+ (apt-get install golang-go is too old on some systems)"; exit 1; }
}

build_kube_apiserver() {
  local out="$BIN_DIR/kube-apiserver-$KUBERNETES_VERSION"
  # A binary without the version stamp (older builds of this script) breaks `kubectl version` and
  # clients that read /version, so it does not count as cached.
  if [[ -x "$out" ]] && [[ "$("$out" --version 2>/dev/null)" == "Kubernetes $KUBERNETES_VERSION" ]]; then
    log "kube-apiserver $KUBERNETES_VERSION cached"; return
  fi
  need_go
  log "building kube-apiserver $KUBERNETES_VERSION (first time only, several minutes)"
  local work; work="$(mktemp -d)"
  local gomod
  gomod="$(cd "$work" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths;
  # outside its own tree we pin each to the published v0.Y.Z of the same release.
  local staging_version="v0.${KUBERNETES_VERSION#v1.}"
  {
    echo "module dockmaster.dev/kube-apiserver-build"
    echo "go 1.24"
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    grep -E '^\s+k8s\.io/[a-z0-9./-]+ v0\.0\.0$' "$gomod" | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } > "$work/go.mod"
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
  (cd "$work" && go mod tidy -e >/dev/null 2>&1 || true
   cd "$work" && go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBERNETES_VERSION" >/dev/null
   local vpkg=k8s.io/component-base/version minor="${KUBERNETES_VERSION#v1.}"
   minor="${minor%%.*}"
   cd "$work" && CGO_ENABLED=0 go build -trimpath -o "$out.tmp" \
     -ldflags "-s -w -X $vpkg.gitVersion=$KUBERNETES_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
     k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$out.tmp" "$out"
  rm -rf "$work"
  log "kube-apiserver built: $out"
}

build_etcd() {
  local out="$BIN_DIR/etcd-$ETCD_VERSION"
  if [[ -x "$out" ]]; then log "etcd $ETCD_VERSION cached"; return; fi
  need_go
  log "building etcd $ETCD_VERSION (first time only)"
  local work; work="$(mktemp -d)"
  cat > "$work/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$work" && go mod init dockmaster.dev/etcd-build >/dev/null 2>&1
   cd "$work" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1
   cd "$work" && go mod tidy >/dev/null 2>&1
   cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" .)
  mv "$out.tmp" "$out"
  rm -rf "$work"
  log "etcd built: $out"
}

build_crane() {
  local out="$BIN_DIR/crane-$CRANE_VERSION"
  if [[ -x "$out" ]]; then log "crane $CRANE_VERSION cached"; return; fi
  need_go
  log "building crane $CRANE_VERSION"
  GOBIN="$BIN_DIR/.crane-$CRANE_VERSION" CGO_ENABLED=0 go install -trimpath "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
  mv "$BIN_DIR/.crane-$CRANE_VERSION/crane" "$out"
  rmdir "$BIN_DIR/.crane-$CRANE_VERSION"
}

build_cosign() {
  local out="$BIN_DIR/cosign-$COSIGN_VERSION"
  if [[ -x "$out" ]]; then log "cosign $COSIGN_VERSION cached"; return; fi
  need_go
  log "building cosign $COSIGN_VERSION (first time only, a few minutes)"
  GOBIN="$BIN_DIR/.cosign-$COSIGN_VERSION" CGO_ENABLED=0 go install -trimpath "github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION"
  mv "$BIN_DIR/.cosign-$COSIGN_VERSION/cosign" "$out"
  rmdir "$BIN_DIR/.cosign-$COSIGN_VERSION"
}

build_helm() {
  local out="$BIN_DIR/helm-$HELM_VERSION"
  if [[ -x "$out" ]] && [[ "$("$out" version --template '{{.Version}}' 2>/dev/null)" == "$HELM_VERSION" ]]; then
    log "helm $HELM_VERSION cached"; return
  fi
  need_go
  log "building helm $HELM_VERSION (first time only, a few minutes)"
  # As Helm's Makefile does: stamp the version, and the Kubernetes version `helm template` and
  # `helm lint` assume without a cluster (1.<client-go minor>; unstamped it is 1.20, which fails
  # charts with a kubeVersion constraint such as ours).
  local work gomod minor pkg=helm.sh/helm/v3
  work="$(mktemp -d)"
  gomod="$(cd "$work" && go mod download -json "$pkg@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod" | head -1)"
  [[ -n "$minor" ]] || { log "cannot find the client-go version helm $HELM_VERSION uses"; exit 1; }
  GOBIN="$work/bin" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X $pkg/internal/version.version=$HELM_VERSION -X $pkg/pkg/chartutil.k8sVersionMajor=1 -X $pkg/pkg/chartutil.k8sVersionMinor=$minor -X $pkg/pkg/lint/rules.k8sVersionMajor=1 -X $pkg/pkg/lint/rules.k8sVersionMinor=$minor" \
    "$pkg/cmd/helm@$HELM_VERSION"
  mv "$work/bin/helm" "$out"
  rm -rf "$work"
  log "helm built: $out (assumes Kubernetes 1.$minor without a cluster)"
}

link() { ln -sf "$BIN_DIR/$1-$2" "$BIN_DIR/$1"; }

# kube-api-test (io.fabric8:kube-api-test) finds binaries in $KUBE_API_TEST_DIR/k8s/<version><suffix>/ with
# <version> like 1.34.4 and <suffix> "-" + lower-cased os.name + "-" + arch (amd64, arm64; anything
# else it maps to amd64). Without a pinned version it takes the highest such directory, and it only
# downloads when none matches, so this layout keeps it offline.
kube_api_test_layout() {
  local os arch kubectl_bin dir
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  case "$(uname -m)" in aarch64|arm64) arch=arm64 ;; *) arch=amd64 ;; esac
  kubectl_bin="$(command -v kubectl || true)"
  [[ -n "$kubectl_bin" ]] || { log "kubectl not found on PATH; kube-api-test needs it (install kubectl 1.3x)"; exit 1; }
  dir="$KUBE_API_TEST_DIR/k8s/${KUBERNETES_VERSION#v}-$os-$arch"
  mkdir -p "$dir"
  ln -sfn "$BIN_DIR/kube-apiserver-$KUBERNETES_VERSION" "$dir/kube-apiserver"
  ln -sfn "$BIN_DIR/etcd-$ETCD_VERSION" "$dir/etcd"
  ln -sfn "$kubectl_bin" "$dir/kubectl"
  log "kube-api-test layout: $dir"
}

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(etcd crane cosign helm kube-apiserver kube-api-test-layout)
for t in "${tools[@]}"; do
  case "$t" in
    kube-apiserver) build_kube_apiserver; link kube-apiserver "$KUBERNETES_VERSION" ;;
    etcd) build_etcd; link etcd "$ETCD_VERSION" ;;
    crane) build_crane; link crane "$CRANE_VERSION" ;;
    cosign) build_cosign; link cosign "$COSIGN_VERSION" ;;
    helm) build_helm; link helm "$HELM_VERSION" ;;
    kube-api-test-layout) build_etcd; build_kube_apiserver; kube_api_test_layout ;;
    *) log "unknown tool '$t' (known: kube-apiserver etcd crane cosign helm kube-api-test-layout)"; exit 2 ;;
  esac
done
