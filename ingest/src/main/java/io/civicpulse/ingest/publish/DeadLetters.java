package io.civicpulse.ingest.publish;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.deadletter.DeadLetterLimits;
import io.civicpulse.schemas.topics.Topics;

/**
 * Turns rejections into {@code DeadLetter} records on {@link Topics#DEAD_LETTERS}, and counts them by reason.
 * A payload up to {@link #MAX_INLINE_PAYLOAD} bytes travels inside the record so it can be inspected and
 * replayed; a larger one (a 930 KB trip-updates feed would crowd the broker's 1 MB request limit) is referenced
 * by its SHA-256 and where and when it was seen. The eventId is derived from source, reason and the payload's
 * digest, so the same bad input rejected on every poll is counted once downstream. Every other part is capped by
 * {@link DeadLetterLimits}, so no rejection, however large, makes a dead letter Kafka refuses.
 */
public final class DeadLetters {

    public static final int MAX_INLINE_PAYLOAD = DeadLetterLimits.MAX_INLINE_PAYLOAD;

    private final Publisher publisher;
    private final IngestMetrics metrics;
    private final Clock clock;

    public DeadLetters(Publisher publisher, IngestMetrics metrics, Clock clock) {
        this.publisher = publisher;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Counts the rejection and sends its dead letter, keyed {@code source/reason}. */
    public CompletableFuture<Void> reject(Rejection rejection) {
        metrics.rejected(rejection.reason());
        DeadLetter letter = toRecord(rejection, clock);
        return publisher.send(Topics.DEAD_LETTERS, letter.getSource() + "/" + letter.getReason(), letter);
    }

    /** The dead-letter record of a rejection, rejected now. */
    public static DeadLetter toRecord(Rejection rejection, Clock clock) {
        byte[] raw = rejection.payload();
        long size = raw == null ? 0 : raw.length;
        String digest = raw == null ? "" : EventIds.sha256Hex(raw);
        boolean inline = raw != null && raw.length > 0 && raw.length <= MAX_INLINE_PAYLOAD;
        String reference = raw != null && raw.length > MAX_INLINE_PAYLOAD
                ? "sha256:" + digest + " seen at " + rejection.origin() + " on " + clock.instant()
                + " (not kept: over " + MAX_INLINE_PAYLOAD + " bytes)"
                : null;
        return DeadLetterLimits.cap(DeadLetter.newBuilder()
                .setSource(rejection.source())
                .setReason(rejection.reason())
                .setMessage(rejection.message())
                .setCity(rejection.city())
                .setFeedId(rejection.feedId())
                .setOrigin(rejection.origin())
                .setPayload(inline ? ByteBuffer.wrap(raw) : null)
                .setPayloadReference(reference)
                .setPayloadSize(size)
                .setContentType(rejection.contentType())
                .setOccurredAt(clock.instant())
                .setHeaders(new TreeMap<>(rejection.detail()))
                // Without a payload (an HTTP error, a timeout) each occurrence is its own event.
                .setEventId(EventIds.of(rejection.source(), rejection.reason(), rejection.city(),
                        rejection.feedId(), digest, raw == null ? clock.instant() : ""))
                .build());
    }
}
