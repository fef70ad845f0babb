/**
 * The {@code dockmaster.io/v1alpha1} API: the Java classes here are the single source of truth for
 * the CRD YAML under {@code crds/}, which the build generates from them.
 */
package io.dockmaster.api.v1alpha1;
