# Dockmaster developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MVN ?= mvn -B -ntp
JAR := operator/target/dockmaster.jar
GENERATED_CRDS := operator/target/classes/META-INF/fabric8
CRDS := imagepolicies.dockmaster.io imagemirrors.dockmaster.io
export DOCKMASTER_CACHE ?= $(HOME)/.cache/dockmaster
# What `make image` tags (and, with IMAGE=..., pushes): by default the chart's image.repository at
# the chart's appVersion, so `helm install` finds the image without --set.
CHART_APP_VERSION := $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' helm/dockmaster/Chart.yaml)
DEFAULT_IMAGE := ghcr.io/dockmaster/dockmaster:$(CHART_APP_VERSION)

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Build the third-party binaries tests need (kube-apiserver, etcd, crane) into $DOCKMASTER_CACHE
	hack/build-tools.sh

.PHONY: base-image
base-image: ## Build the base image (jlinked JRE + Debian libraries, nonroot) into $DOCKMASTER_CACHE/base-image, once
	hack/build-tools.sh crane
	hack/build-base-image.sh

.PHONY: image
image: base-image ## The container image as an OCI tarball, operator/target/dockmaster-image.tar; IMAGE=registry/repo:tag also pushes it
	$(MVN) -pl operator -Pimage -DskipTests package $(if $(IMAGE),jib:build) \
	  -Ddockmaster.image=$(or $(IMAGE),$(DEFAULT_IMAGE)) \
	  -Ddockmaster.image.revision=$$(git rev-parse HEAD 2>/dev/null || echo unknown) $(JIB_ARGS)

.PHONY: build
build: ## Build dockmaster.jar (no tests)
	$(MVN) -DskipTests package

.PHONY: crds
crds: ## Regenerate crds/ and helm/dockmaster/crds/ from the Java API classes
	$(MVN) -pl operator -DskipTests -Dspotless.check.skip=true process-classes
	@for crd in $(CRDS); do \
	  cp $(GENERATED_CRDS)/$$crd-v1.yml crds/$$crd.yaml; \
	  cp $(GENERATED_CRDS)/$$crd-v1.yml helm/dockmaster/crds/$$crd.yaml; \
	  echo "wrote crds/$$crd.yaml and helm/dockmaster/crds/$$crd.yaml"; \
	done

.PHONY: format
format: ## Format Java sources (google-java-format)
	$(MVN) spotless:apply

.PHONY: test
test: tools base-image ## Everything CI runs: unit, integration (real kube-apiserver + registry) and end-to-end tests
	hack/dev-up.sh
	$(MVN) -Pimage verify

.PHONY: dev-up
dev-up: ## Start etcd, kube-apiserver and a registry on 127.0.0.1; writes .dev/kubeconfig and .dev/env
	hack/dev-up.sh

.PHONY: dev-down
dev-down: ## Stop everything dev-up started
	hack/dev-down.sh

.PHONY: run
# Local webhook mode registers https://127.0.0.1:<port>, which only an API server on this machine can
# call: against another cluster (KUBECONFIG_OVERRIDE) the webhook is off unless asked for.
run: build dev-up ## Run the operator and its webhook against the dev cluster (KUBECONFIG_OVERRIDE=... for another)
	source .dev/env && KUBECONFIG=$${KUBECONFIG_OVERRIDE:-$$KUBECONFIG} \
	  java -jar $(JAR) operator --health-port $${DOCKMASTER_HEALTH_PORT:-18080} \
	    --webhook-mode $${DOCKMASTER_WEBHOOK_MODE:-$$([ -n "$$KUBECONFIG_OVERRIDE" ] && echo off || echo local)} \
	    --webhook-port $${DOCKMASTER_WEBHOOK_PORT:-18443}

.PHONY: demo
demo: ## Bring up the dev cluster, install the CRDs, run the operator and show it reconciling
	hack/demo.sh

.PHONY: bench-admission
bench-admission: ## Measure the admission webhook (warm and cold cache, kubectl create overhead) on the dev cluster
	hack/bench-admission.sh

.PHONY: bench-peer-tls
bench-peer-tls: ## CPU per MiB between two agents over mutual TLS: the JDK client and TLS engine, Vert.x on BoringSSL, the agent's netty client (C1 only, as the chart runs agents)
	mvn -B -ntp -q -DskipTests -Dspotless.check.skip=true package
	java -cp operator/target/dockmaster.jar:e2e-tests/target/test-classes io.dockmaster.bench.PeerTransportBench

.PHONY: bench-planner
bench-planner: ## The distribution planner: planning time up to 5,000 nodes x 50 blobs, plan shape, makespan in a fluid model beside the bound (pure code, seconds)
	mvn -B -ntp -q -DskipTests -Dspotless.check.skip=true package
	java -cp operator/target/dockmaster.jar:e2e-tests/target/test-classes io.dockmaster.bench.PlannerBench

.PHONY: bench-p2p
bench-p2p: NODES ?= 20
bench-p2p: SIZE_MIB ?= 500
bench-p2p: LAYERS ?= 5
bench-p2p: LARGEST_PCT ?= 0
bench-p2p: RATE_MBIT ?= 100
bench-p2p: UPSTREAM_MBIT ?= 100
bench-p2p: SLOW_NODES ?= 0
bench-p2p: SLOW_MBIT ?=
bench-p2p: SLOW_FROM ?=
bench-p2p: ## P2P prefetching vs pulling from the registry on the network lab (root; NODES SIZE_MIB LAYERS LARGEST_PCT RATE_MBIT UPSTREAM_MBIT SLOW_NODES SLOW_MBIT SLOW_FROM)
	NODES=$(NODES) SIZE_MIB=$(SIZE_MIB) LAYERS=$(LAYERS) LARGEST_PCT=$(LARGEST_PCT) RATE_MBIT=$(RATE_MBIT) UPSTREAM_MBIT=$(UPSTREAM_MBIT) \
	  SLOW_NODES=$(SLOW_NODES) SLOW_MBIT=$(SLOW_MBIT) SLOW_FROM=$(SLOW_FROM) hack/bench-p2p.sh
