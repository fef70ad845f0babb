package io.dockmaster.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * AdmissionReview v1 bodies as kube-apiserver sends them for {@code kubectl create} of a Pod: the
 * object after defaulting and the ServiceAccount plugin (projected token volume, tolerations,
 * scheduler fields), user info and create options, about 3 KB with two containers.
 */
final class ReviewBodies {

  private static final String UID = "@@UID@@";

  private final String template;
  private final String prefix = UUID.randomUUID().toString().substring(0, 24);
  private final AtomicLong counter = new AtomicLong();

  private ReviewBodies(String template) {
    this.template = template;
  }

  /** A Pod named {@code name} in {@code namespace} with one container per image. */
  static ReviewBodies pod(String namespace, String name, List<String> images) {
    String containers =
        IntStream.range(0, images.size())
            .mapToObj(i -> container("c" + i, images.get(i)))
            .collect(Collectors.joining(","));
    return new ReviewBodies(
        """
        {"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"@@UID@@",\
        "kind":{"group":"","version":"v1","kind":"Pod"},\
        "resource":{"group":"","version":"v1","resource":"pods"},\
        "requestKind":{"group":"","version":"v1","kind":"Pod"},\
        "requestResource":{"group":"","version":"v1","resource":"pods"},\
        "name":"%2$s","namespace":"%1$s","operation":"CREATE",\
        "userInfo":{"username":"dockmaster-admin","groups":["system:masters","system:authenticated"]},\
        "object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%2$s","namespace":"%1$s",\
        "uid":"@@UID@@","creationTimestamp":"2025-01-01T00:00:00Z","labels":{"app":"bench"},\
        "managedFields":[{"manager":"kubectl-create","operation":"Update","apiVersion":"v1",\
        "time":"2025-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":\
        {"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{},"f:dnsPolicy":{},\
        "f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},\
        "f:terminationGracePeriodSeconds":{}}}}]},\
        "spec":{"volumes":[{"name":"kube-api-access-bench","projected":{"sources":[\
        {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},\
        {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},\
        {"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1",\
        "fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],\
        "containers":[%3$s],"restartPolicy":"Always","terminationGracePeriodSeconds":30,\
        "dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default",\
        "securityContext":{},"schedulerName":"default-scheduler","tolerations":[\
        {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute",\
        "tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists",\
        "effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,\
        "preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Pending","qosClass":"Burstable"}},\
        "oldObject":null,"dryRun":false,"options":{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1",\
        "fieldManager":"kubectl-create"}}}
        """
            .strip()
            .formatted(namespace, name, containers));
  }

  private static String container(String name, String image) {
    return ("""
        {"name":"%s","image":"%s","ports":[{"containerPort":8080,"protocol":"TCP"}],\
        "resources":{"limits":{"memory":"128Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},\
        "volumeMounts":[{"name":"kube-api-access-bench","readOnly":true,\
        "mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],\
        "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",\
        "imagePullPolicy":"IfNotPresent"}""")
        .formatted(name, image);
  }

  /** The next body, with a request uid of its own as the API server would send. */
  byte[] next() {
    String uid = prefix + String.format("%012d", counter.incrementAndGet());
    return template.replace(UID, uid).getBytes(StandardCharsets.UTF_8);
  }

  int size() {
    return template.length();
  }
}
