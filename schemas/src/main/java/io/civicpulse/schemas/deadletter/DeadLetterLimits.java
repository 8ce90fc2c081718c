package io.civicpulse.schemas.deadletter;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one rule that bounds a {@link DeadLetter}, for every component that writes them (ingest, the intake, the
 * engine). A dead letter describes an input that was wrong, and the worst inputs are the largest: copied whole, the
 * key, headers and message of a near-1 MB record make a dead letter over Kafka's record limit, whose write then
 * fails where it was meant to set the input aside. Capped by this rule, a dead letter is at most about
 * {@value #MAX_SERIALIZED_BYTES} bytes whatever its input, and what was cut is said in the letter itself.
 */
public final class DeadLetterLimits {

    /** Larger payloads are not carried inline (payloadReference says where they are). */
    public static final int MAX_INLINE_PAYLOAD = 256 * 1024;
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_MESSAGE_CHARS = 4096;
    /** source, reason, city, feedId, origin, sourceTopic, payloadReference, contentType, eventId. */
    public static final int MAX_FIELD_CHARS = 512;
    public static final int MAX_HEADERS = 32;
    public static final int MAX_HEADER_NAME_CHARS = 128;
    public static final int MAX_HEADER_VALUE_CHARS = 1024;
    /**
     * An upper bound of a capped dead letter's Avro encoding (a character is at most 3 bytes in UTF-8, a surrogate
     * pair 4): the payload, the key, the message, nine short fields and the headers, plus room for the markers.
     */
    public static final int MAX_SERIALIZED_BYTES = MAX_INLINE_PAYLOAD + MAX_KEY_BYTES + 3 * MAX_MESSAGE_CHARS
            + 9 * 3 * MAX_FIELD_CHARS + (MAX_HEADERS + 2) * 3 * (MAX_HEADER_NAME_CHARS + MAX_HEADER_VALUE_CHARS)
            + 4096;

    /** Header naming the original key size when the key was cut. */
    public static final String KEY_TRUNCATED_HEADER = "deadletter.key-truncated-from";
    /** Header counting the headers left out. */
    public static final String HEADERS_DROPPED_HEADER = "deadletter.headers-dropped";

    private DeadLetterLimits() {
    }

    /** {@code letter} with every part within its limit; the same instance when nothing needed cutting. */
    public static DeadLetter cap(DeadLetter letter) {
        if (withinLimits(letter)) {
            return letter;
        }
        DeadLetter capped = DeadLetter.newBuilder(letter).build();
        Map<String, String> headers = capHeaders(letter.getHeaders());
        capped.setSource(text(letter.getSource(), MAX_FIELD_CHARS));
        capped.setReason(text(letter.getReason(), MAX_FIELD_CHARS));
        capped.setMessage(text(letter.getMessage(), MAX_MESSAGE_CHARS));
        capped.setCity(text(letter.getCity(), MAX_FIELD_CHARS));
        capped.setFeedId(text(letter.getFeedId(), MAX_FIELD_CHARS));
        capped.setOrigin(text(letter.getOrigin(), MAX_FIELD_CHARS));
        capped.setSourceTopic(text(letter.getSourceTopic(), MAX_FIELD_CHARS));
        capped.setContentType(text(letter.getContentType(), MAX_FIELD_CHARS));
        capped.setEventId(text(letter.getEventId(), MAX_FIELD_CHARS));
        ByteBuffer key = letter.getKey();
        if (key != null && key.remaining() > MAX_KEY_BYTES) {
            ByteBuffer prefix = key.duplicate();
            prefix.limit(prefix.position() + MAX_KEY_BYTES);
            capped.setKey(ByteBuffer.wrap(bytes(prefix)));
            headers.put(KEY_TRUNCATED_HEADER, String.valueOf(key.remaining()));
        }
        ByteBuffer payload = letter.getPayload();
        String reference = letter.getPayloadReference();
        if (payload != null && payload.remaining() > MAX_INLINE_PAYLOAD) {
            capped.setPayload(null);
            if (reference == null) {
                reference = "not kept: over " + MAX_INLINE_PAYLOAD + " bytes";
            }
        }
        capped.setPayloadReference(text(reference, MAX_FIELD_CHARS));
        capped.setHeaders(headers);
        return capped;
    }

    private static boolean withinLimits(DeadLetter letter) {
        if (longer(letter.getMessage(), MAX_MESSAGE_CHARS) || longer(letter.getSource(), MAX_FIELD_CHARS)
                || longer(letter.getReason(), MAX_FIELD_CHARS) || longer(letter.getCity(), MAX_FIELD_CHARS)
                || longer(letter.getFeedId(), MAX_FIELD_CHARS) || longer(letter.getOrigin(), MAX_FIELD_CHARS)
                || longer(letter.getSourceTopic(), MAX_FIELD_CHARS)
                || longer(letter.getPayloadReference(), MAX_FIELD_CHARS)
                || longer(letter.getContentType(), MAX_FIELD_CHARS) || longer(letter.getEventId(), MAX_FIELD_CHARS)
                || (letter.getKey() != null && letter.getKey().remaining() > MAX_KEY_BYTES)
                || (letter.getPayload() != null && letter.getPayload().remaining() > MAX_INLINE_PAYLOAD)) {
            return false;
        }
        Map<? extends CharSequence, ? extends CharSequence> headers = letter.getHeaders();
        if (headers == null) {
            return true;
        }
        if (headers.size() > MAX_HEADERS) {
            return false;
        }
        for (Map.Entry<? extends CharSequence, ? extends CharSequence> header : headers.entrySet()) {
            if (longer(header.getKey(), MAX_HEADER_NAME_CHARS) || longer(header.getValue(), MAX_HEADER_VALUE_CHARS)) {
                return false;
            }
        }
        return true;
    }

    /** The first {@link #MAX_HEADERS} headers, each cut to its limits; how many were left out, if any. */
    private static Map<String, String> capHeaders(Map<? extends CharSequence, ? extends CharSequence> headers) {
        Map<String, String> capped = new LinkedHashMap<>();
        if (headers == null) {
            return capped;
        }
        int dropped = 0;
        for (Map.Entry<? extends CharSequence, ? extends CharSequence> header : headers.entrySet()) {
            if (capped.size() >= MAX_HEADERS) {
                dropped++;
                continue;
            }
            capped.putIfAbsent(text(header.getKey(), MAX_HEADER_NAME_CHARS),
                    text(header.getValue(), MAX_HEADER_VALUE_CHARS));
        }
        if (dropped > 0) {
            capped.put(HEADERS_DROPPED_HEADER, String.valueOf(dropped));
        }
        return capped;
    }

    private static boolean longer(CharSequence text, int limit) {
        return text != null && text.length() > limit;
    }

    /**
     * {@code text} cut to at most {@code limit} characters, saying how long it was; never splits a surrogate pair.
     * Null stays null.
     */
    public static String text(CharSequence text, int limit) {
        if (text == null) {
            return null;
        }
        if (text.length() <= limit) {
            return text.toString();
        }
        String marker = "... (" + text.length() + " chars)";
        int end = Math.max(0, limit - marker.length());
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.subSequence(0, end) + marker;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
