{{/* Chart name, at most 63 characters (a DNS label). */}}
{{- define "dockmaster.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name prefix of every object. The release name when it already contains the chart name, so
`helm install dockmaster` gives objects called dockmaster, dockmaster-webhook, ...
At most 54 characters, leaving room for the longest suffix ("-webhook").
*/}}
{{- define "dockmaster.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "dockmaster.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "dockmaster.labels" -}}
helm.sh/chart: {{ include "dockmaster.chart" . }}
{{ include "dockmaster.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dockmaster
{{- end }}

{{/* Labels the Deployment, Services and PodDisruptionBudget select the operator pods by. */}}
{{- define "dockmaster.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dockmaster.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dockmaster.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dockmaster.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "dockmaster.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "dockmaster.webhookServiceName" -}}
{{- printf "%s-webhook" (include "dockmaster.fullname" .) }}
{{- end }}

{{- define "dockmaster.metricsServiceName" -}}
{{- printf "%s-metrics" (include "dockmaster.fullname" .) }}
{{- end }}

{{/* The Secret holding tls.crt, tls.key and ca.crt for the webhook. */}}
{{- define "dockmaster.webhookSecretName" -}}
{{- if .Values.webhook.certificate.existingSecret }}
{{- .Values.webhook.certificate.existingSecret }}
{{- else }}
{{- printf "%s-webhook-tls" (include "dockmaster.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The ValidatingWebhookConfiguration is cluster-scoped and the operator registers it under the fixed
name "dockmaster" (WebhookRegistration.CONFIGURATION_NAME), so one release per cluster.
*/}}
{{- define "dockmaster.webhookConfigurationName" -}}
dockmaster
{{- end }}

{{/*
Checks the combinations the schema cannot express with a clear message, and returns the webhook
mode the operator runs in: service, external or off.
*/}}
{{- define "dockmaster.webhookMode" -}}
{{- $w := .Values.webhook }}
{{- if and (eq $w.mode "external") (not $w.certManager.enabled) }}
{{- fail "webhook.mode=external: the chart owns the ValidatingWebhookConfiguration and needs cert-manager to inject its caBundle; set webhook.certManager.enabled=true (cert-manager installed), or use webhook.mode=service" }}
{{- end }}
{{- if and $w.certManager.enabled (ne $w.mode "external") }}
{{- fail (printf "webhook.certManager.enabled=true needs webhook.mode=external (is %s): with cert-manager the chart owns the ValidatingWebhookConfiguration and cert-manager injects its caBundle" $w.mode) }}
{{- end }}
{{- if and (eq $w.mode "service") (ne $w.failurePolicy "Fail") }}
{{- fail "webhook.failurePolicy=Ignore applies to webhook.mode=external only: in service mode the operator registers the webhook and always fails closed" }}
{{- end }}
{{- if and $w.certificate.existingSecret (ne $w.mode "service") }}
{{- fail "webhook.certificate.existingSecret applies to webhook.mode=service only (in external mode cert-manager writes the Secret)" }}
{{- end }}
{{- if and $w.certificate.existingSecret (eq $w.certificate.mode "operator") }}
{{- fail "webhook.certificate.existingSecret is a certificate you keep yourself: set webhook.certificate.mode=helm to serve it, or unset existingSecret so the operator issues and rotates the certificate" }}
{{- end }}
{{- if gt (int $w.certificate.operator.servingValidityDays) (int $w.certificate.operator.caValidityDays) }}
{{- fail (printf "webhook.certificate.operator.servingValidityDays (%v) cannot exceed webhook.certificate.operator.caValidityDays (%v): a serving certificate never outlives its CA" $w.certificate.operator.servingValidityDays $w.certificate.operator.caValidityDays) }}
{{- end }}
{{- $w.mode }}
{{- end }}

{{/*
Who keeps the webhook certificate: "operator" (it issues and rotates them in the Secret), "helm"
(generated by the chart, or existingSecret), or "external" (cert-manager) / "off".
*/}}
{{- define "dockmaster.webhookCertificateMode" -}}
{{- $mode := include "dockmaster.webhookMode" . }}
{{- if eq $mode "service" }}
{{- .Values.webhook.certificate.mode }}
{{- else }}
{{- $mode }}
{{- end }}
{{- end }}

{{/*
The webhook's CA and serving certificate (base64, as Secret data), for service mode without
webhook.certificate.existingSecret. Kept from the existing Secret when `lookup` finds it (helm
install/upgrade against a cluster), generated otherwise (first install, `helm template`).
Computed once per render and memoized, since the Deployment's checksum needs the same CA.
*/}}
{{- define "dockmaster.webhookCertificates" -}}
{{- if not (hasKey .Values "__dockmasterWebhookCertificates") }}
{{- $secretName := include "dockmaster.webhookSecretName" . }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace $secretName | default dict }}
{{- $old := dig "data" dict $existing }}
{{- $data := dict }}
{{- if and (hasKey $old "ca.crt") (hasKey $old "tls.crt") (hasKey $old "tls.key") }}
{{- $data = dict "ca.crt" (index $old "ca.crt") "tls.crt" (index $old "tls.crt") "tls.key" (index $old "tls.key") }}
{{- else }}
{{- $service := include "dockmaster.webhookServiceName" . }}
{{- $ns := .Release.Namespace }}
{{- $days := int .Values.webhook.certificate.validityDays }}
{{- $ca := genCA (printf "%s-webhook-ca" (include "dockmaster.fullname" .)) $days }}
{{- $dnsNames := list $service (printf "%s.%s" $service $ns) (printf "%s.%s.svc" $service $ns) (printf "%s.%s.svc.cluster.local" $service $ns) }}
{{- $cert := genSignedCert (printf "%s.%s.svc" $service $ns) nil $dnsNames $days $ca }}
{{- $data = dict "ca.crt" ($ca.Cert | b64enc) "tls.crt" ($cert.Cert | b64enc) "tls.key" ($cert.Key | b64enc) }}
{{- end }}
{{- $_ := set .Values "__dockmasterWebhookCertificates" $data }}
{{- end }}
{{- toYaml (index .Values "__dockmasterWebhookCertificates") }}
{{- end }}

{{/*
The node agent. Its pods carry their own app.kubernetes.io/name, so the operator's Services,
PodDisruptionBudget and Deployment (which select by dockmaster.selectorLabels) never pick them up.
*/}}
{{- define "dockmaster.agentName" -}}
{{- printf "%s-agent" (include "dockmaster.fullname" .) }}
{{- end }}

{{- define "dockmaster.agentSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-agent" (include "dockmaster.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dockmaster.agentLabels" -}}
helm.sh/chart: {{ include "dockmaster.chart" . }}
{{ include "dockmaster.agentSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dockmaster
app.kubernetes.io/component: agent
{{- end }}

{{/*
The agents' ServiceAccount. The operator is told this name (--agent-requester) whether or not the
chart runs the agents, since it signs certificates only for requests made by it.
*/}}
{{- define "dockmaster.agentServiceAccountName" -}}
{{- if .Values.agent.serviceAccount.create }}
{{- default (include "dockmaster.agentName" .) .Values.agent.serviceAccount.name }}
{{- else }}
{{- required "agent.serviceAccount.name is required when agent.serviceAccount.create is false" .Values.agent.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "dockmaster.agentRequester" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "dockmaster.agentServiceAccountName" .) }}
{{- end }}

{{/*
"true" when the agent container runs as root: only to write containerd's root-owned registry
configuration (agent.runtimeMirror), and only while agent.runtimeMirror.runAsRoot allows it.
*/}}
{{- define "dockmaster.agentRunsAsRoot" -}}
{{- and .Values.agent.runtimeMirror.enabled .Values.agent.runtimeMirror.runAsRoot | toString }}
{{- end }}

{{/* Checks across agent values that the schema cannot express, with a message naming them. */}}
{{- define "dockmaster.agentChecks" -}}
{{- $a := .Values.agent }}
{{- $low := float64 $a.cache.lowWatermark }}
{{- $high := float64 $a.cache.highWatermark }}
{{- if not (lt $low $high) }}
{{- fail (printf "agent.cache.lowWatermark (%v) must be below agent.cache.highWatermark (%v): the agent evicts from the high mark down to the low one" $a.cache.lowWatermark $a.cache.highWatermark) }}
{{- end }}
{{- $ports := dict "agent.peerPort" $a.peerPort "agent.runtimePort" $a.runtimePort "agent.healthPort" $a.healthPort }}
{{- $seen := dict }}
{{- range $field := keys $ports | sortAlpha }}
{{- $port := toString (index $ports $field) }}
{{- if hasKey $seen $port }}
{{- fail (printf "%s and %s are both %s: the agent listens on each port separately, on the node's network" (index $seen $port) $field $port) }}
{{- end }}
{{- $_ := set $seen $port $field }}
{{- end }}
{{- end }}

{{/*
Checks the networkPolicy peers the schema cannot: the API server refuses a peer that names an
ipBlock together with a selector, and its message would not say which value.
*/}}
{{- define "dockmaster.networkPolicyChecks" -}}
{{- $np := .Values.networkPolicy }}
{{- $lists := dict "networkPolicy.webhook.from" $np.webhook.from "networkPolicy.metrics.from" $np.metrics.from "networkPolicy.egress.dns.to" $np.egress.dns.to "networkPolicy.egress.apiServer.to" $np.egress.apiServer.to "networkPolicy.egress.registries.to" $np.egress.registries.to "networkPolicy.egress.agents.to" $np.egress.agents.to }}
{{- range $field := keys $lists | sortAlpha }}
{{- range $i, $peer := index $lists $field }}
{{- if and (hasKey $peer "ipBlock") (or (hasKey $peer "namespaceSelector") (hasKey $peer "podSelector")) }}
{{- fail (printf "%s[%d] combines ipBlock with a selector, which NetworkPolicy does not allow: make them separate entries of the list" $field $i) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
