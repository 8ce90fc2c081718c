package io.civicpulse.ingest.publish;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic event ids and payload digests. The schemas define every eventId as a function of the event's
 * identity (city, feed, entity, event time...), so that the same fact polled twice, or re-sent after a retry,
 * has the same id and is counted once downstream; this is the one place that function is computed.
 */
public final class EventIds {

    /** Separates parts so that ("ab","c") and ("a","bc") give different ids. */
    private static final byte SEPARATOR = 0x1f;

    private EventIds() {
    }

    /** Hex SHA-256 of the parts, in order; a null part counts as empty but distinct from a missing one. */
    public static String of(Object... parts) {
        MessageDigest digest = sha256();
        for (Object part : parts) {
            digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
            digest.update(SEPARATOR);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Hex SHA-256 of raw bytes. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /** First 64 bits of the SHA-256 of the bytes: a compact content fingerprint for change detection. */
    public static long fingerprint(byte[] bytes) {
        byte[] d = sha256().digest(bytes);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (d[i] & 0xff);
        }
        return value;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }
}
