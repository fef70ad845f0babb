package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cutting a source off, as the watchdog and replacement orders do from other threads. */
class SourceStreamTest {

  private static final byte[] CONTENT = "twenty bytes of blob".getBytes();

  @TempDir Path dir;
  private BlobCache cache;
  private BlobWrite write;

  @BeforeEach
  void open() throws Exception {
    cache = BlobCache.open(dir, CacheLimits.ofCapacity(1 << 20), new SimpleMeterRegistry());
    write = cache.startWrite(Digest.sha256(CONTENT), CONTENT.length, null).orElseThrow();
  }

  @AfterEach
  void close() {
    Thread.interrupted();
    write.close();
    cache.close();
  }

  @Test
  void aCutOffStreamRefusesTheNextWriteAndTheBytesWrittenStay() throws Exception {
    SourceStream stream = new SourceStream(new ByteArrayInputStream(CONTENT));
    stream.write(write, ByteBuffer.wrap(CONTENT, 0, 10));

    stream.cutOff();

    assertThat(Thread.currentThread().isInterrupted()).as("a read would wake up").isTrue();
    assertThatThrownBy(() -> stream.write(write, ByteBuffer.wrap(CONTENT, 0, 10)))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("cut off");
    assertThat(write.isOpen()).as("the cache file was not closed by the interrupt").isTrue();
    assertThat(write.written()).isEqualTo(10);
  }

  @Test
  void aCutOffAfterTheStreamEndedLeavesTheThreadAlone() {
    SourceStream stream = new SourceStream(new ByteArrayInputStream(CONTENT));
    stream.end();

    stream.cutOff();

    assertThat(Thread.currentThread().isInterrupted())
        .as("interrupted while committing, or while running the next transfer")
        .isFalse();
  }
}
