package io.civicpulse.ingest.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One feed document as served over HTTP: its bytes, content type and validators. The ETag is a digest of the
 * bytes, so an unchanged document always has the same ETag and a conditional GET gets its 304.
 */
public record ServedFeed(byte[] body, String contentType, String etag, Instant lastModified) {

    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json; charset=utf-8";
    public static final String ZIP = "application/zip";

    public static ServedFeed of(byte[] body, String contentType, Instant lastModified) {
        return new ServedFeed(body, contentType, etagOf(body), lastModified);
    }

    static String etagOf(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return '"' + HexFormat.of().formatHex(digest, 0, 16) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ServedFeed[" + contentType + ", " + body.length + " bytes, etag " + etag + ", " + lastModified + "]";
    }

    /** The body as text, for JSON documents. */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
