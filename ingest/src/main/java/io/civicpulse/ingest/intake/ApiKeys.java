package io.civicpulse.ingest.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The API keys allowed to post events. Keys are held only as SHA-256 hashes, so a heap dump or a configuration
 * file leaks no usable key, and compared in constant time over every stored hash, so response timing reveals
 * neither how much of a key matched nor which key it was.
 *
 * <p>Configured as a comma-separated list (configuration or {@code CIVICPULSE_INTAKE_API_KEYS}); each entry is
 * either {@code sha256:<64 hex digits>} (preferred: the clear key never touches the server's configuration) or
 * a clear key, hashed at start-up. An entry may be named {@code name=key} so metrics and limits say whose it is.
 */
public final class ApiKeys {

    /** A stored key: its name for metrics and rate limits, and its hash. */
    public record Key(String name, byte[] sha256) {
    }

    private final List<Key> keys;

    private ApiKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    public static ApiKeys parse(String spec) {
        List<Key> keys = new ArrayList<>();
        if (spec != null) {
            int n = 0;
            for (String entry : spec.split(",")) {
                String trimmed = entry.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                n++;
                String name = "key-" + n;
                int eq = trimmed.indexOf('=');
                if (eq > 0) {
                    name = trimmed.substring(0, eq).trim();
                    trimmed = trimmed.substring(eq + 1).trim();
                }
                byte[] hash;
                if (trimmed.toLowerCase(Locale.ROOT).startsWith("sha256:")) {
                    String hex = trimmed.substring("sha256:".length());
                    if (hex.length() != 64) {
                        throw new IllegalArgumentException("API key " + name + ": sha256: must be followed by 64 hex digits");
                    }
                    hash = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
                } else {
                    hash = sha256(trimmed);
                }
                keys.add(new Key(name, hash));
            }
        }
        return new ApiKeys(keys);
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public int size() {
        return keys.size();
    }

    /** The key's name when the presented key is one of ours. */
    public Optional<String> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256(presented);
        String match = null;
        for (Key key : keys) {
            // No early exit: every stored hash is compared, matched or not.
            if (MessageDigest.isEqual(hash, key.sha256()) && match == null) {
                match = key.name();
            }
        }
        return Optional.ofNullable(match);
    }

    /** The form to put in configuration instead of a clear key. */
    public static String hashedForm(String clearKey) {
        return "sha256:" + HexFormat.of().formatHex(sha256(clearKey));
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
