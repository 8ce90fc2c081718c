package io.civicpulse.ingest.intake;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the intake hands validated events and rejections. The intake answers 202 only when the returned future
 * completes, so an implementation must complete it only once the broker has acknowledged every record
 * (acks=all), and fail it when any record could not be made durable.
 */
public interface EventSink {

    CompletableFuture<Void> publish(List<IntakeEvent.Accepted> events, List<IntakeEvent.Rejected> rejected,
                                    String apiKeyName);

    /**
     * As {@link #publish(List, List, String)}, for a request due by {@code deadlineNanos} ({@link System#nanoTime}):
     * an implementation whose hand-over can block should stop handing records over once it has passed, and fail.
     */
    default CompletableFuture<Void> publish(List<IntakeEvent.Accepted> events, List<IntakeEvent.Rejected> rejected,
                                            String apiKeyName, long deadlineNanos) {
        return publish(events, rejected, apiKeyName);
    }
}
