package io.civicpulse.ingest.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class StateChangeLogTest {

    private final List<String> lines = new ArrayList<>();
    private final StateChangeLog log = new StateChangeLog(new StateChangeLog.Sink() {
        @Override
        public void warn(String line) {
            lines.add("WARN " + line);
        }

        @Override
        public void info(String line) {
            lines.add("INFO " + line);
        }
    });

    @Test
    void aFeedFailingOnEveryPollLogsOnce() {
        for (int i = 0; i < 5; i++) {
            log.failing("sofia/trip-updates", "http.server-error", "HTTP 503");
        }

        assertThat(lines).singleElement().asString().startsWith("WARN sofia/trip-updates is failing (http.server-error)");
    }

    @Test
    void aNewReasonLogsAgain() {
        log.failing("sofia/trip-updates", "http.server-error", "HTTP 503");
        log.failing("sofia/trip-updates", "http.timeout", "no response");

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("(was: http.server-error)");
    }

    @Test
    void recoveringLogsOnceAndHealthyPollsLogNothing() {
        log.healthy("sofia/alerts", "ok");
        log.failing("sofia/alerts", "http.timeout", "no response");
        log.healthy("sofia/alerts", "polled");
        log.healthy("sofia/alerts", "polled");

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("INFO sofia/alerts recovered after http.timeout");
        assertThat(log.failure("sofia/alerts")).isNull();
    }
}
