package io.dockmaster.admission;

import static io.dockmaster.admission.AdmissionRequests.create;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.policy.PodReviewer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReviewWorkersTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @BeforeAll
  static void warmUp() {
    // Jackson builds the pod model's serializers on first use, which on a cold JVM can take longer
    // than the short deadlines below; the server does the same at start.
    new PodSpecLocator(SERIALIZATION).locate(create(pod("nginx")));
  }

  @Test
  void aReviewPastTheDeadlineIsDeniedNamingTheImagesAndInterrupted() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    PodReviewer stuck =
        pod -> {
          if (pod.spec().getContainers().stream().anyMatch(c -> c.getImage().contains("slow"))) {
            try {
              Thread.sleep(60_000);
            } catch (InterruptedException e) {
              interrupted.countDown();
            }
          }
          return List.of();
        };
    try (ReviewWorkers workers = workers(stuck, Duration.ofMillis(300), 2)) {
      long start = System.nanoTime();

      AdmissionAnswer answer =
          workers
              .submit(create(pod("registry.example.com/slow:1", "nginx")))
              .get(5, TimeUnit.SECONDS);

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(answer.response().getAllowed()).isFalse();
      assertThat(answer.verdict()).isEqualTo(Verdict.ERROR);
      assertThat(answer.response().getStatus().getCode()).isEqualTo(503);
      assertThat(answer.response().getStatus().getMessage())
          .isEqualTo(
              "Dockmaster denied this Pod \"p\": the image review did not finish within 300ms"
                  + " (checking registry.example.com/slow:1, nginx); admission fails closed, so"
                  + " retry, and if it keeps happening check that the operator can reach these"
                  + " registries");
      assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aFastReviewIsAnsweredByTheJudge() throws Exception {
    try (ReviewWorkers workers = workers(new ImageNamePodReviewer(), Duration.ofSeconds(8), 2)) {
      AdmissionAnswer answer = workers.submit(create(pod("bad:1"))).get(5, TimeUnit.SECONDS);

      assertThat(answer.verdict()).isEqualTo(Verdict.DENIED);
    }
  }

  @Test
  void whenEveryWorkerAndQueueSlotIsTakenTheRequestIsDeniedAtOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    PodReviewer blocking =
        pod -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return List.of();
        };
    try (ReviewWorkers workers = workers(blocking, Duration.ofSeconds(8), 1)) {
      // One running, eight queued: the tenth finds no room.
      List<CompletableFuture<AdmissionAnswer>> accepted =
          IntStream.range(0, 9).mapToObj(i -> workers.submit(create(pod("nginx")))).toList();

      AdmissionAnswer refused = workers.submit(create(pod("nginx"))).get(1, TimeUnit.SECONDS);

      assertThat(refused.verdict()).isEqualTo(Verdict.ERROR);
      assertThat(refused.response().getStatus().getMessage())
          .contains("too many admission reviews are waiting (8)");
      release.countDown();
      for (CompletableFuture<AdmissionAnswer> answer : accepted) {
        assertThat(answer.get(5, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.ALLOWED);
      }
    }
  }

  private static ReviewWorkers workers(PodReviewer reviewer, Duration deadline, int threads) {
    AnswerBuilder answers = new AnswerBuilder();
    return new ReviewWorkers(
        new AdmissionJudge(
            new PodSpecLocator(SERIALIZATION), new InMemoryNamespaceLabels(), reviewer, answers),
        answers,
        deadline,
        threads);
  }

  private static Pod pod(String... images) {
    return Workloads.pod("team", "p", images);
  }
}
