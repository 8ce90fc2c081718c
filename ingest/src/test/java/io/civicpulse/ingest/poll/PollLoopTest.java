package io.civicpulse.ingest.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PollLoopTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void aPollThatThrowsDoesNotEndTheLoop() {
        AtomicInteger polls = new AtomicInteger();
        try (PollLoop loop = PollLoop.start("test", scheduler, new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)),
                () -> {
                    if (polls.incrementAndGet() % 2 == 1) {
                        throw new IllegalStateException("boom");
                    }
                    return true;
                })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> polls.get() >= 6);
            assertThat(loop.nextDelay()).isLessThanOrEqualTo(Duration.ofMillis(20));
        }
    }

    @Test
    void consecutiveFailuresBackOffAndASuccessResetsTheDelay() {
        AtomicBoolean failing = new AtomicBoolean(true);
        try (PollLoop loop = PollLoop.start("test", scheduler, new Backoff(Duration.ofMillis(5), Duration.ofMillis(40)),
                () -> !failing.get())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> loop.consecutiveFailures() >= 3);
            assertThat(loop.nextDelay()).isEqualTo(Duration.ofMillis(40));
            failing.set(false);
            await().atMost(Duration.ofSeconds(5)).until(() -> loop.consecutiveFailures() == 0);
            assertThat(loop.nextDelay()).isEqualTo(Duration.ofMillis(5));
        }
    }

    @Test
    void anOutOfMemoryErrorInOnePollDoesNotEndTheLoop() {
        AtomicInteger polls = new AtomicInteger();
        try (PollLoop loop = PollLoop.start("test", scheduler, new Backoff(Duration.ofMillis(5), Duration.ofMillis(10)),
                () -> {
                    if (polls.incrementAndGet() == 1) {
                        // What inflating a zip bomb ends in; the next poll may well fit in memory again.
                        throw new OutOfMemoryError("Java heap space");
                    }
                    return true;
                })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> polls.get() >= 3);
        }
    }
}
