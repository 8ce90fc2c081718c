package io.civicpulse.streams.maturity;

/**
 * A maturity configuration that cannot be used, with the place of the first problem: the engine refuses to start on
 * it rather than publish scores nobody configured.
 */
public final class MaturityConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    public MaturityConfigException(String source, int line, String reason) {
        super(source + (line > 0 ? ":" + line : "") + ": " + reason);
        this.source = source;
        this.line = line;
    }

    /** The file (or resource) the configuration came from. */
    public String source() {
        return source;
    }

    /** The 1-based line of the problem, 0 when it concerns the file as a whole (e.g. a missing key). */
    public int line() {
        return line;
    }
}
