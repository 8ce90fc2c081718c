package io.civicpulse.serving.fiware;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import io.civicpulse.schemas.indicators.IndicatorValue;

/**
 * The series an NGSI-LD {@code KeyPerformanceIndicator} entity stands for, and its entity id:
 * {@code urn:ngsi-ld:KeyPerformanceIndicator:<city>:<indicatorId>:<scope>:<window>}, e.g.
 * {@code urn:ngsi-ld:KeyPerformanceIndicator:sofia:pt.on-time-performance:route%3AA94:PT1H}.
 *
 * <p>Each part is percent-encoded (UTF-8, upper-case hex) except for the URI unreserved characters
 * {@code A-Z a-z 0-9 - . _ ~}. That is stricter than the URN NSS needs, on purpose: {@code :} separates the parts
 * (a scope is {@code route:A94}), {@code /} would split the id in a {@code /entities/{id}} path, and {@code ,}
 * separates ids in NGSI-LD's {@code ?id=} list. So the id is a valid URN, safe in a path or a query, and
 * {@link #parse} gives back exactly the series it was made from.
 */
public record KpiEntityId(String city, String indicatorId, String scope, String window) {

    /** The prefix every id of this entity type has. */
    public static final String PREFIX = "urn:ngsi-ld:" + KpiEntities.TYPE + ":";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public KpiEntityId {
        Objects.requireNonNull(city, "city");
        Objects.requireNonNull(indicatorId, "indicatorId");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(window, "window");
        // An empty part would make an id such as ...:sofia::city:PT1H that parse could not tell from a typo.
        if (city.isEmpty() || indicatorId.isEmpty() || scope.isEmpty() || window.isEmpty()) {
            throw new IllegalArgumentException("every part of a KPI entity id must be non-empty: " + city + ", "
                    + indicatorId + ", " + scope + ", " + window);
        }
    }

    /** The series of one value. */
    public static KpiEntityId of(IndicatorValue value) {
        return new KpiEntityId(value.getCity().toString(), value.getIndicatorId().toString(),
                value.getScope().toString(), value.getWindow().toString());
    }

    /** The entity id. */
    public String urn() {
        return PREFIX + encode(city) + ':' + encode(indicatorId) + ':' + encode(scope) + ':' + encode(window);
    }

    @Override
    public String toString() {
        return urn();
    }

    /**
     * The series of an entity id, or empty when the id is not one of ours (other prefix, too few parts, broken
     * percent-encoding, an empty part).
     *
     * <p>An id with more than four parts is read as city, indicator, the middle parts as the scope (with their
     * {@code :}), and window: that is what a client or framework that percent-decoded the id once too often sends
     * ({@code route%3AA94} arriving as {@code route:A94}), and only the scope can hold a {@code :} in practice.
     */
    public static Optional<KpiEntityId> parse(String id) {
        if (id == null || !id.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = id.substring(PREFIX.length()).split(":", -1);
        if (parts.length < 4) {
            return Optional.empty();
        }
        String scope = String.join(":", Arrays.copyOfRange(parts, 2, parts.length - 1));
        Optional<String> city = decode(parts[0]);
        Optional<String> indicator = decode(parts[1]);
        Optional<String> decodedScope = decode(scope);
        Optional<String> window = decode(parts[parts.length - 1]);
        if (city.isEmpty() || indicator.isEmpty() || decodedScope.isEmpty() || window.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new KpiEntityId(city.get(), indicator.get(), decodedScope.get(), window.get()));
    }

    static String encode(String part) {
        StringBuilder out = new StringBuilder(part.length() + 8);
        for (byte b : part.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (isUnreserved(c)) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
        }
        return out.toString();
    }

    /** Empty for an empty part or a malformed escape, so that a garbled id is "not found", not a 500. */
    static Optional<String> decode(String part) {
        if (part.isEmpty()) {
            return Optional.empty();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '%') {
                if (i + 2 >= part.length()) {
                    return Optional.empty();
                }
                int hi = Character.digit(part.charAt(i + 1), 16);
                int lo = Character.digit(part.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                bytes.write((hi << 4) | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                // A raw non-ASCII character (an IRI rather than a URI): accept it as its UTF-8 bytes.
                int codePoint = part.codePointAt(i);
                bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(codePoint) - 1;
            }
        }
        return Optional.of(bytes.toString(StandardCharsets.UTF_8));
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
