package io.civicpulse.streams.aggregation;

import java.util.Objects;

/**
 * One time series of the engine: an indicator for one city and scope. Its string forms are the repartition key
 * ({@code city|indicatorId|scope}, which also keys the per-series window totals so that one city's series are a
 * contiguous range) and the output key prefix ({@code city/indicatorId/scope}). The city and indicator id never
 * contain '|' (validated and catalogued); the scope comes last, so it may contain anything.
 */
public record SeriesKey(String city, String indicatorId, String scope) {

    static final char SEPARATOR = '|';

    public SeriesKey {
        Objects.requireNonNull(city, "city");
        Objects.requireNonNull(indicatorId, "indicatorId");
        Objects.requireNonNull(scope, "scope");
    }

    public String storeKey() {
        return city + SEPARATOR + indicatorId + SEPARATOR + scope;
    }

    public static SeriesKey parse(String storeKey) {
        String[] parts = storeKey.split("\\|", 3);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a series key: " + storeKey);
        }
        return new SeriesKey(parts[0], parts[1], parts[2]);
    }

    /** The key of {@code civicpulse.indicators.v1} for one window: {@code city/indicatorId/scope/window}. */
    public String outputKey(String windowLabel) {
        return city + '/' + indicatorId + '/' + scope + '/' + windowLabel;
    }

    /** First and last possible store keys of one city's series, for a range scan. */
    static String cityRangeFrom(String city) {
        return city + SEPARATOR;
    }

    static String cityRangeTo(String city) {
        // Every series key continues with an ASCII indicator id, so U+FFFF (UTF-8 EF BF BF) sorts after all of them.
        return city + SEPARATOR + '\uffff';
    }

    /**
     * The store key of one pane of this series. Panes are only ever read by exact key, never scanned, so the start
     * needs no padding; it sits between city and indicator id, neither of which contains '|', so keys are unique.
     */
    String paneKey(long paneStartMs) {
        return city + SEPARATOR + paneStartMs + SEPARATOR + indicatorId + SEPARATOR + scope;
    }
}
