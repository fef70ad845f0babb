package io.dockmaster.operator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;

/**
 * The JVM and process meters the operator and the agent both publish, so one dashboard row covers
 * both: heap, threads, GC pauses and CPU. Closing removes the GC listeners, which would otherwise
 * keep a stopped component's registry alive.
 */
public final class ProcessMeters implements AutoCloseable {

  private final JvmGcMetrics gc;

  private ProcessMeters(JvmGcMetrics gc) {
    this.gc = gc;
  }

  public static ProcessMeters bindTo(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    return new ProcessMeters(gc);
  }

  @Override
  public void close() {
    gc.close();
  }
}
