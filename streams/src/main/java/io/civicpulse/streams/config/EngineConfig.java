package io.civicpulse.streams.config;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.civicpulse.streams.windows.Panes;
import io.civicpulse.streams.windows.WindowSpec;

/**
 * What the indicator topology is a function of: pane size, windows, grace period, live rate limit, de-duplication
 * horizon, validation bounds and each city's time zone. Read from {@code civicpulse.*} keys (see {@link #from});
 * every key has a default, so an empty map gives a working engine for Sofia. Immutable; checked on construction so
 * a bad value fails at start with the key's name, not in the middle of a window.
 */
public record EngineConfig(Duration paneSize, List<WindowSpec> windows, Duration grace, Duration liveInterval,
                           Duration dedupHorizon, Duration maxFutureSkew, Instant earliestEventTime,
                           ZoneId defaultZone, Map<String, ZoneId> cityZones, int inlinePayloadLimit,
                           Duration idleAdvanceAfter, Duration sourceStartupGrace, Duration sourceQuietAfter,
                           Duration historyRetention, Duration maturityHistoryRetention) {

    public static final String PREFIX = "civicpulse.";
    public static final String PANE_SIZE = "civicpulse.pane.size";
    public static final String WINDOWS = "civicpulse.windows";
    public static final String FINAL_STEP = "civicpulse.final.step";
    public static final String GRACE = "civicpulse.grace";
    public static final String LIVE_INTERVAL = "civicpulse.live.interval";
    public static final String DEDUP_HORIZON = "civicpulse.dedup.horizon";
    public static final String MAX_FUTURE_SKEW = "civicpulse.event.max.future.skew";
    public static final String EARLIEST_EVENT_TIME = "civicpulse.event.earliest";
    public static final String DEFAULT_ZONE = "civicpulse.zone.default";
    /** Prefix of per-city zones: {@code civicpulse.zone.sofia=Europe/Sofia}. */
    public static final String CITY_ZONE_PREFIX = "civicpulse.zone.";
    public static final String INLINE_PAYLOAD_LIMIT = "civicpulse.dead.letter.inline.limit";
    /**
     * How long a city may send nothing before its stream time starts to follow the wall clock, so that its open
     * windows still close and get their finals (after office hours, overnight). PT0S turns this off.
     */
    public static final String IDLE_ADVANCE_AFTER = "civicpulse.idle.advance.after";
    /**
     * After a city's first event (at start, after a restart), how long its stream time stays at the earliest event
     * seen, so that every input partition's task delivers its first events before any window closes.
     */
    public static final String SOURCE_STARTUP_GRACE = "civicpulse.source.startup.grace";
    /**
     * How long an input partition may deliver nothing for a city before it stops holding the city's stream time
     * back. A partition that is backfilling delivers continuously; one that went quiet (a sparse Open311 partition,
     * a service used twice an hour) will deliver new events next, so it must not keep the city's windows open. A
     * partition quiet only because the consumer has not fetched its records yet (its records-lag, a catch-up) holds
     * the city for as long as it is behind, and so does every source while the window task's own input is behind.
     * When a city whose sources had all gone quiet receives again, every source holds it for this long anew.
     */
    public static final String SOURCE_QUIET_AFTER = "civicpulse.source.quiet.after";

    /** How long the final indicator values stay queryable in the engine's history store (the query API's history). */
    public static final String HISTORY_RETENTION = "civicpulse.history.retention";
    /** How long the final maturity scores stay queryable: a city follows its level over months, not days. */
    public static final String MATURITY_HISTORY_RETENTION = "civicpulse.maturity.history.retention";

    /** The defaults, in one place. */
    public static Map<String, String> defaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(PANE_SIZE, "PT1M");
        defaults.put(WINDOWS, "PT15M,PT1H,PT24H," + WindowSpec.CALENDAR_DAY_LABEL);
        // Rolling windows get a final value every quarter hour: a report reads the last 24 hours as of 10:15, not
        // as of every minute; the live value still moves with every pane.
        defaults.put(FINAL_STEP, "PT15M");
        defaults.put(GRACE, "PT5M");
        defaults.put(LIVE_INTERVAL, "PT1S");
        // Duplicates come from a feed polled twice or a retried push, minutes apart; an hour covers them without
        // keeping a day of event ids.
        defaults.put(DEDUP_HORIZON, "PT1H");
        defaults.put(MAX_FUTURE_SKEW, "PT5M");
        defaults.put(EARLIEST_EVENT_TIME, "2000-01-01T00:00:00Z");
        defaults.put(DEFAULT_ZONE, "UTC");
        defaults.put(CITY_ZONE_PREFIX + "sofia", "Europe/Sofia");
        defaults.put(INLINE_PAYLOAD_LIMIT, "65536");
        // Longer than any pause of a live feed, so that only a city that really went quiet is moved on.
        defaults.put(IDLE_ADVANCE_AFTER, "PT10M");
        defaults.put(SOURCE_STARTUP_GRACE, "PT30S");
        defaults.put(SOURCE_QUIET_AFTER, "PT30S");
        // A month of finals, as long as civicpulse.indicators.v1 keeps them: the API's widest history range.
        defaults.put(HISTORY_RETENTION, "P31D");
        defaults.put(MATURITY_HISTORY_RETENTION, "P400D");
        return defaults;
    }

    public EngineConfig {
        Objects.requireNonNull(paneSize, "paneSize");
        Objects.requireNonNull(idleAdvanceAfter, "idleAdvanceAfter");
        Objects.requireNonNull(sourceStartupGrace, "sourceStartupGrace");
        Objects.requireNonNull(sourceQuietAfter, "sourceQuietAfter");
        if (sourceQuietAfter.isNegative() || sourceQuietAfter.isZero()) {
            throw new IllegalArgumentException(SOURCE_QUIET_AFTER + " must be positive");
        }
        windows = List.copyOf(windows);
        cityZones = Map.copyOf(cityZones);
        Panes panes = Panes.of(paneSize);
        for (WindowSpec window : windows) {
            window.requireCompatibleWith(panes);
        }
        if (windows.isEmpty()) {
            throw new IllegalArgumentException(WINDOWS + ": at least one window is needed");
        }
        if (grace.isNegative() || liveInterval.isNegative() || liveInterval.isZero() || dedupHorizon.isNegative()
                || dedupHorizon.isZero() || maxFutureSkew.isNegative() || idleAdvanceAfter.isNegative()) {
            throw new IllegalArgumentException("grace, live interval, dedup horizon and future skew must not be"
                    + " negative (and the live interval and dedup horizon not zero)");
        }
        Objects.requireNonNull(historyRetention, "historyRetention");
        Objects.requireNonNull(maturityHistoryRetention, "maturityHistoryRetention");
        if (historyRetention.compareTo(Duration.ofHours(1)) < 0
                || maturityHistoryRetention.compareTo(Duration.ofHours(1)) < 0) {
            throw new IllegalArgumentException(HISTORY_RETENTION + " and " + MATURITY_HISTORY_RETENTION
                    + " must be at least an hour");
        }
        if (inlinePayloadLimit < 0) {
            throw new IllegalArgumentException(INLINE_PAYLOAD_LIMIT + " must not be negative");
        }
    }

    /** The defaults alone. */
    public static EngineConfig defaultConfig() {
        return from(Map.of());
    }

    /**
     * Reads the {@code civicpulse.*} keys of {@code settings} (other keys are ignored), falling back to
     * {@link #defaults()} key by key.
     *
     * @throws IllegalArgumentException naming the key of the first unreadable value
     */
    public static EngineConfig from(Map<String, ?> settings) {
        Map<String, String> merged = defaults();
        settings.forEach((key, value) -> {
            if (key.startsWith(PREFIX) && value != null) {
                merged.put(key, value.toString().trim());
            }
        });
        Duration paneSize = duration(merged, PANE_SIZE);
        Duration finalStep = duration(merged, FINAL_STEP);
        List<WindowSpec> windows = new ArrayList<>();
        for (String label : merged.get(WINDOWS).split(",")) {
            String trimmed = label.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.equals(WindowSpec.CALENDAR_DAY_LABEL)) {
                windows.add(WindowSpec.calendarDay());
            } else {
                Duration length = parseDuration(WINDOWS, trimmed);
                // A window shorter than the final step gets a final at every one of its own lengths instead.
                windows.add(WindowSpec.rolling(length, length.compareTo(finalStep) < 0 ? length : finalStep));
            }
        }
        Map<String, ZoneId> zones = new LinkedHashMap<>();
        merged.forEach((key, value) -> {
            if (key.startsWith(CITY_ZONE_PREFIX) && !key.equals(DEFAULT_ZONE)) {
                zones.put(key.substring(CITY_ZONE_PREFIX.length()).toLowerCase(Locale.ROOT), zone(key, value));
            }
        });
        Instant earliest;
        try {
            earliest = Instant.parse(merged.get(EARLIEST_EVENT_TIME));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(EARLIEST_EVENT_TIME + ": not an ISO-8601 instant: "
                    + merged.get(EARLIEST_EVENT_TIME), e);
        }
        int inlineLimit;
        try {
            inlineLimit = Integer.parseInt(merged.get(INLINE_PAYLOAD_LIMIT));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(INLINE_PAYLOAD_LIMIT + ": not an integer: "
                    + merged.get(INLINE_PAYLOAD_LIMIT), e);
        }
        return new EngineConfig(paneSize, windows, duration(merged, GRACE), duration(merged, LIVE_INTERVAL),
                duration(merged, DEDUP_HORIZON), duration(merged, MAX_FUTURE_SKEW), earliest,
                zone(DEFAULT_ZONE, merged.get(DEFAULT_ZONE)), zones, inlineLimit,
                duration(merged, IDLE_ADVANCE_AFTER), duration(merged, SOURCE_STARTUP_GRACE),
                duration(merged, SOURCE_QUIET_AFTER), duration(merged, HISTORY_RETENTION),
                duration(merged, MATURITY_HISTORY_RETENTION));
    }

    /** The city's time zone, for its calendar days. */
    public ZoneId zoneOf(String city) {
        return cityZones.getOrDefault(city, defaultZone);
    }

    public Panes panes() {
        return Panes.of(paneSize);
    }

    private static Duration duration(Map<String, String> settings, String key) {
        return parseDuration(key, settings.get(key));
    }

    private static Duration parseDuration(String key, String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + ": not an ISO-8601 duration (e.g. PT15M): " + value, e);
        }
    }

    private static ZoneId zone(String key, String value) {
        try {
            return ZoneId.of(value);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(key + ": not a time zone id (e.g. Europe/Sofia): " + value, e);
        }
    }
}
