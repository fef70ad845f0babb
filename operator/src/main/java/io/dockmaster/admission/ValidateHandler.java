package io.dockmaster.admission;

import io.dockmaster.admission.AdmissionReviewCodec.MalformedReviewException;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /validate}: reads the AdmissionReview within the body limit, hands it to the workers
 * and writes their answer back on the event loop.
 */
final class ValidateHandler implements Handler<HttpServerRequest> {

  private static final Logger log = LoggerFactory.getLogger(ValidateHandler.class);

  private final AdmissionReviewCodec codec;
  private final ReviewWorkers workers;
  private final AdmissionMetrics metrics;
  private final RequestGate gate;
  private final int maxBodyBytes;

  ValidateHandler(
      AdmissionReviewCodec codec,
      ReviewWorkers workers,
      AdmissionMetrics metrics,
      RequestGate gate,
      int maxBodyBytes) {
    this.codec = codec;
    this.workers = workers;
    this.metrics = metrics;
    this.gate = gate;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (!WebhookTarget.PATH.equals(request.path())) {
      text(request.response(), 404, "not found; POST AdmissionReviews to " + WebhookTarget.PATH);
      return;
    }
    if (request.method() != HttpMethod.POST) {
      request.response().putHeader(HttpHeaders.ALLOW, "POST");
      text(request.response(), 405, "use POST");
      return;
    }
    Exchange exchange = new Exchange(request, metrics.start());
    if (!gate.enter()) {
      // Closing the connection sends the API server's next call to another replica.
      request.response().putHeader(HttpHeaders.CONNECTION, "close");
      text(request.response(), 503, "the Dockmaster webhook is shutting down; retry");
      metrics.refused(exchange.sample);
      return;
    }
    exchange.collectBody();
  }

  /** One request from arrival to answer; leaves the gate exactly once, when its answer is out. */
  private final class Exchange {
    private final HttpServerRequest request;
    private final Timer.Sample sample;
    private final Context context = Vertx.currentContext();
    private final Buffer body = Buffer.buffer();
    private final AtomicBoolean finished = new AtomicBoolean();

    Exchange(HttpServerRequest request, Timer.Sample sample) {
      this.request = request;
      this.sample = sample;
    }

    void collectBody() {
      String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null && parseLength(length) > maxBodyBytes) {
        tooLarge();
        return;
      }
      request.handler(
          chunk -> {
            if (finished.get()) {
              return;
            }
            if (body.length() + chunk.length() > maxBodyBytes) {
              tooLarge();
            } else {
              body.appendBuffer(chunk);
            }
          });
      request.exceptionHandler(
          failure -> {
            if (finish()) {
              log.debug("admission request broke off: {}", failure.getMessage());
              metrics.refused(sample);
              gate.exit();
            }
          });
      request.endHandler(
          done -> {
            if (!finished.get()) {
              review();
            }
          });
    }

    private void review() {
      AdmissionRequest admission;
      try {
        // Parsed on the event loop: even the largest accepted body takes milliseconds.
        admission = codec.read(body.getBytes());
      } catch (MalformedReviewException e) {
        log.warn("refused a malformed AdmissionReview: {}", e.getMessage());
        refuse(400, "malformed AdmissionReview: " + e.getMessage());
        return;
      }
      String kind = AdmissionJudge.kind(admission);
      String operation = admission.getOperation();
      workers
          .submit(admission)
          .thenAccept(
              answer -> context.runOnContext(v -> answer(admission, kind, operation, answer)));
    }

    private void answer(
        AdmissionRequest admission, String kind, String operation, AdmissionAnswer answer) {
      if (!finish()) {
        return;
      }
      metrics.answered(sample, kind, operation, answer);
      if (!answer.allowed()) {
        log.info(
            "{} {} {}/{}: {}",
            answer.verdict() == Verdict.DENIED ? "denied" : "failed closed on",
            kind,
            admission.getNamespace(),
            admission.getName(),
            answer.response().getStatus().getMessage().replace('\n', ' '));
      }
      HttpServerResponse response = request.response();
      if (response.closed()) {
        gate.exit();
        return;
      }
      response
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(codec.write(answer.response()))
          .onComplete(written -> gate.exit());
    }

    private void tooLarge() {
      request.response().putHeader(HttpHeaders.CONNECTION, "close");
      refuse(413, "the AdmissionReview is larger than " + maxBodyBytes + " bytes");
    }

    private void refuse(int status, String message) {
      if (finish()) {
        metrics.refused(sample);
        if (request.response().closed()) {
          gate.exit();
        } else {
          text(request.response(), status, message).onComplete(written -> gate.exit());
        }
      }
    }

    /** True for the first caller only, who then leaves the gate once the response is written. */
    private boolean finish() {
      return finished.compareAndSet(false, true);
    }
  }

  private static long parseLength(String length) {
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Future<Void> text(HttpServerResponse response, int status, String message) {
    return response
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(message + "\n");
  }
}
