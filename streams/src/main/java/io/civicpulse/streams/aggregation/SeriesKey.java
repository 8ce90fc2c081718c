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
     * The store key of one pane of this series: the series key, then the pane's start zero-padded to 13 digits, so
     * that a series' panes sort by time and the next pane with data is one seek ({@link #paneRangeEnd}). Scopes
     * never contain '|', so no series' key is a prefix of another's pane keys.
     */
    String paneKey(long paneStartMs) {
        if (paneStartMs < 0) {
            throw new IllegalArgumentException("pane before 1970: " + paneStartMs);
        }
        String digits = Long.toString(paneStartMs);
        StringBuilder key = new StringBuilder(storeKey().length() + 1 + PANE_DIGITS).append(storeKey())
                .append(SEPARATOR);
        for (int i = digits.length(); i < PANE_DIGITS; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    /** An upper bound of this series' pane keys: ':' sorts after every digit. */
    String paneRangeEnd() {
        return storeKey() + SEPARATOR + ':';
    }

    /** The pane start of one of this series' pane keys. */
    static long paneStartOf(String paneKey) {
        return Long.parseLong(paneKey.substring(paneKey.lastIndexOf(SEPARATOR) + 1));
    }

    /** Digits of epoch milliseconds until the year 2286. */
    private static final int PANE_DIGITS = 13;
}
