package io.dockmaster.admission;

import io.dockmaster.policy.PodUnderReview;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs judgements on a bounded pool of worker threads, off the event loop, and always answers by
 * the deadline: a review still running then is interrupted and the request denied. The deadline is
 * kept below the webhook's timeoutSeconds so that the person running kubectl reads what timed out
 * rather than the API server's bare "context deadline exceeded".
 */
final class ReviewWorkers implements AutoCloseable {

  /** Requests that may wait for a free worker, per worker; beyond that, deny at once. */
  private static final int QUEUE_PER_WORKER = 8;

  private static final int IMAGES_NAMED = 5;

  private final AdmissionJudge judge;
  private final AnswerBuilder answers;
  private final Duration deadline;
  private final ThreadPoolExecutor pool;
  private final ScheduledThreadPoolExecutor timer;

  ReviewWorkers(AdmissionJudge judge, AnswerBuilder answers, Duration deadline, int threads) {
    this.judge = judge;
    this.answers = answers;
    this.deadline = deadline;
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(threads * QUEUE_PER_WORKER),
            daemonThreads("admission-review-"));
    this.timer = new ScheduledThreadPoolExecutor(1, daemonThreads("admission-deadline-"));
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /** Completes, never exceptionally, with the judge's answer or a denial at the deadline. */
  CompletableFuture<AdmissionAnswer> submit(AdmissionRequest request) {
    CompletableFuture<AdmissionAnswer> answer = new CompletableFuture<>();
    AtomicReference<PodUnderReview> underReview = new AtomicReference<>();
    Future<?> task;
    try {
      task =
          pool.submit(
              () -> {
                try {
                  answer.complete(judge.judge(request, underReview::set));
                } catch (RuntimeException | Error e) {
                  answer.complete(internalFailure(request));
                  throw e;
                }
              });
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(overloaded(request));
    }
    ScheduledFuture<?> expiry =
        timer.schedule(
            () -> {
              if (answer.complete(timedOut(request, underReview.get()))) {
                task.cancel(true);
              }
            },
            deadline.toMillis(),
            TimeUnit.MILLISECONDS);
    answer.whenComplete((done, failure) -> expiry.cancel(false));
    return answer;
  }

  private AdmissionAnswer timedOut(AdmissionRequest request, PodUnderReview pod) {
    String checking = pod == null ? "" : " (checking " + String.join(", ", namedImages(pod)) + ")";
    return answers.failClosed(
        request.getUid(),
        AdmissionJudge.kind(request),
        request.getName(),
        true,
        "the image review did not finish within "
            + format(deadline)
            + checking
            + "; admission fails closed, so retry, and if it keeps happening check that the"
            + " operator can reach these registries");
  }

  private AdmissionAnswer overloaded(AdmissionRequest request) {
    return answers.failClosed(
        request.getUid(),
        AdmissionJudge.kind(request),
        request.getName(),
        true,
        "too many admission reviews are waiting ("
            + pool.getQueue().size()
            + "); admission fails closed, so retry in a moment");
  }

  private AdmissionAnswer internalFailure(AdmissionRequest request) {
    return answers.failClosed(
        request.getUid(),
        AdmissionJudge.kind(request),
        request.getName(),
        false,
        "the image review failed unexpectedly; the operator log has the details under request uid "
            + request.getUid());
  }

  private static List<String> namedImages(PodUnderReview pod) {
    PodSpec spec = pod.spec();
    Set<String> images = new LinkedHashSet<>();
    if (!pod.ephemeralOnly()) {
      Optional.ofNullable(spec.getInitContainers()).orElse(List.of()).stream()
          .map(Container::getImage)
          .forEach(images::add);
      Optional.ofNullable(spec.getContainers()).orElse(List.of()).stream()
          .map(Container::getImage)
          .forEach(images::add);
    }
    Optional.ofNullable(spec.getEphemeralContainers()).orElse(List.of()).stream()
        .map(EphemeralContainer::getImage)
        .forEach(images::add);
    images.remove(null);
    List<String> named = new ArrayList<>(images.stream().limit(IMAGES_NAMED).toList());
    if (images.size() > IMAGES_NAMED) {
      named.add((images.size() - IMAGES_NAMED) + " more");
    }
    return named;
  }

  static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  /** Stops taking reviews and interrupts those still running. */
  @Override
  public void close() {
    pool.shutdownNow();
    timer.shutdownNow();
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
