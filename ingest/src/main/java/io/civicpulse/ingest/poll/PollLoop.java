package io.civicpulse.ingest.poll;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one feed's poll over and over on a shared scheduler: the next poll is scheduled when the previous one ends,
 * after the feed's interval or, after failures, its {@link Backoff}. Whatever a poll throws counts as a failure
 * and the loop goes on: a poller stops only when it is closed.
 */
public final class PollLoop implements AutoCloseable {

    /** One poll of a feed. */
    @FunctionalInterface
    public interface Poll {
        /** @return true when the feed was fetched and processed, false when it failed and the loop should back off */
        boolean run() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);

    private final String name;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final Poll poll;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile boolean closed;
    private volatile Duration nextDelay;

    private PollLoop(String name, ScheduledExecutorService scheduler, Backoff backoff, Poll poll) {
        this.name = name;
        this.scheduler = scheduler;
        this.backoff = backoff;
        this.poll = poll;
        this.nextDelay = backoff.interval();
    }

    /** Starts polling now, then after each poll by its outcome. */
    public static PollLoop start(String name, ScheduledExecutorService scheduler, Backoff backoff, Poll poll) {
        PollLoop loop = new PollLoop(Objects.requireNonNull(name), scheduler, backoff, poll);
        loop.schedule(Duration.ZERO);
        return loop;
    }

    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /** The delay before the next poll as decided after the last one. */
    public Duration nextDelay() {
        return nextDelay;
    }

    private void schedule(Duration delay) {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(this::runOnce, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The scheduler is shutting down with the ingest that owns it; nothing left to poll for.
        }
    }

    private void runOnce() {
        if (closed) {
            return;
        }
        boolean ok;
        try {
            ok = poll.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception | Error e) {
            // A bug or an unexpected failure must not end the loop; the poller's own handling logs its failures,
            // so this is only for what escaped it. That includes an OutOfMemoryError: the poll that hit it (a huge
            // body, a zip bomb) has let go of its memory by now, and a rethrown error would end this loop for good
            // while every other feed goes on.
            log.error("poll of {} failed unexpectedly", name, e);
            ok = false;
        }
        int failures = ok ? 0 : consecutiveFailures.incrementAndGet();
        if (ok) {
            consecutiveFailures.set(0);
        }
        nextDelay = backoff.delay(failures);
        schedule(nextDelay);
    }

    @Override
    public void close() {
        closed = true;
    }
}
