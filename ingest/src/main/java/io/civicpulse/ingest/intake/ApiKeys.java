package io.civicpulse.ingest.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API keys allowed to post events. Keys are held only as SHA-256 hashes, so a heap dump or a configuration
 * file leaks no usable key, and compared in constant time over every stored hash, so response timing reveals
 * neither how much of a key matched nor which key it was.
 *
 * <p>Configured as a comma-separated list (configuration or {@code CIVICPULSE_INTAKE_API_KEYS}). Each entry is
 * {@code name:secret} or a bare {@code secret}, where the secret is {@code sha256:<64 hex digits>} (preferred: the
 * clear key never touches the server's configuration) or a clear key of at least {@value #MIN_KEY_LENGTH}
 * characters, hashed at start-up. The name ({@code [A-Za-z0-9][A-Za-z0-9._-]*}) is what metrics, rate limits and
 * dead letters show; a bare entry is named {@code key-<n>}, so no part of a key is ever shown. The name ends at the
 * first colon, so a clear key holding a colon must be named; {@code =} may appear anywhere in a key (base64
 * padding). The old form {@code name=sha256:<hex>} is still read; the old {@code name=clear-key} is refused at
 * start-up, because it cannot be told from a key holding {@code =}.
 */
public final class ApiKeys {

    /** Shorter keys can be guessed or mistyped into matching: refused in configuration and when presented. */
    public static final int MIN_KEY_LENGTH = 16;
    /** Longer presented keys are not hashed: no configured key is that long. */
    static final int MAX_KEY_LENGTH = 1024;

    private static final String HASH_PREFIX = "sha256:";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern OLD_HASHED = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]{0,63})=(sha256:.*)",
            Pattern.CASE_INSENSITIVE);
    /** An {@code =} followed by anything but more {@code =}: not base64 padding, so likely the old name=key. */
    private static final Pattern INNER_EQUALS = Pattern.compile("=[^=]");

    /** A stored key: its name for metrics and rate limits, and its hash. */
    public record Key(String name, byte[] sha256) {
    }

    private final List<Key> keys;

    private ApiKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * @throws IllegalArgumentException naming the entry by position (never quoting it: it may hold a key) when an
     *                                  entry is malformed, ambiguous, too short or its name is taken
     */
    public static ApiKeys parse(String spec) {
        List<Key> keys = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (spec != null) {
            int n = 0;
            for (String entry : spec.split(",")) {
                String trimmed = entry.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                n++;
                Key key = entry(trimmed, n);
                if (!names.add(key.name())) {
                    throw new IllegalArgumentException("API key entry " + n + ": the name " + key.name()
                            + " is used twice");
                }
                keys.add(key);
            }
        }
        return new ApiKeys(keys);
    }

    private static Key entry(String entry, int n) {
        String where = "API key entry " + n;
        Matcher old = OLD_HASHED.matcher(entry);
        if (old.matches()) {
            return new Key(old.group(1), hash(where, old.group(2)));
        }
        if (isHashed(entry)) {
            return new Key("key-" + n, hash(where, entry));
        }
        int colon = entry.indexOf(':');
        if (colon >= 0) {
            String name = entry.substring(0, colon).trim();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(where + ": the name before ':' must be letters, digits, '.', '_'"
                        + " or '-' (at most 64); a clear key holding ':' must be given a name (name:key)");
            }
            String secret = entry.substring(colon + 1).trim();
            return new Key(name, isHashed(secret) ? hash(where + " (" + name + ")", secret)
                    : clear(where + " (" + name + ")", secret));
        }
        if (INNER_EQUALS.matcher(entry).find()) {
            throw new IllegalArgumentException(where + " reads as the old name=key form, which cannot be told from"
                    + " a key holding '='; write name:key (or name:sha256:<hex>)");
        }
        return new Key("key-" + n, clear(where, entry));
    }

    private static boolean isHashed(String secret) {
        return secret.regionMatches(true, 0, HASH_PREFIX, 0, HASH_PREFIX.length());
    }

    private static byte[] hash(String where, String hashed) {
        String hex = hashed.substring(HASH_PREFIX.length()).trim();
        if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException(where + ": sha256: must be followed by 64 hex digits");
        }
        return HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
    }

    private static byte[] clear(String where, String key) {
        if (key.length() < MIN_KEY_LENGTH || key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException(where + ": a key must be " + MIN_KEY_LENGTH + " to " + MAX_KEY_LENGTH
                    + " characters (e.g. openssl rand -base64 24)");
        }
        return sha256(key);
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public int size() {
        return keys.size();
    }

    /** The key's name when the presented key is one of ours. */
    public Optional<String> authenticate(String presented) {
        if (presented == null || presented.length() < MIN_KEY_LENGTH || presented.length() > MAX_KEY_LENGTH) {
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
        return HASH_PREFIX + HexFormat.of().formatHex(sha256(clearKey));
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
