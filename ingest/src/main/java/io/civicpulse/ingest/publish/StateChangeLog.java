package io.civicpulse.ingest.publish;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a feed's health once per change of state, not once per poll: a feed that goes bad logs one warning with
 * the reason, logs again only if the reason changes, and logs once when it recovers. A feed polled every 10 s
 * that is down for a night would otherwise write thousands of identical lines and bury everything else.
 */
public final class StateChangeLog {

    /** Where the lines go; the default is SLF4J. */
    public interface Sink {
        void warn(String line);

        void info(String line);
    }

    private static final Logger log = LoggerFactory.getLogger(StateChangeLog.class);
    private static final String OK = "";

    private final Sink sink;
    private final Map<String, String> states = new ConcurrentHashMap<>();

    public StateChangeLog() {
        this(new Sink() {
            @Override
            public void warn(String line) {
                log.warn(line);
            }

            @Override
            public void info(String line) {
                log.info(line);
            }
        });
    }

    public StateChangeLog(Sink sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Records that the subject is failing with the reason; logs when it was healthy or failing for another reason.
     *
     * @return whether a line was logged
     */
    public boolean failing(String subject, String reason, String message) {
        String previous = states.put(subject, reason);
        if (reason.equals(previous)) {
            return false;
        }
        sink.warn(subject + " is failing (" + reason + "): " + message
                + (previous == null || previous.equals(OK) ? "" : " (was: " + previous + ")")
                + "; further failures of this kind are counted, not logged");
        return true;
    }

    /**
     * Records that the subject works; logs when it was failing before.
     *
     * @return whether a line was logged
     */
    public boolean healthy(String subject, String message) {
        String previous = states.put(subject, OK);
        if (previous == null || previous.equals(OK)) {
            return false;
        }
        sink.info(subject + " recovered after " + previous + ": " + message);
        return true;
    }

    /** The reason the subject is failing, or null when it is healthy or unknown. */
    public String failure(String subject) {
        String state = states.get(subject);
        return state == null || state.equals(OK) ? null : state;
    }
}
