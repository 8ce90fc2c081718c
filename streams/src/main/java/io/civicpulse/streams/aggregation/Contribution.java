package io.civicpulse.streams.aggregation;

import java.util.Objects;

/**
 * What one event adds to one series (city, indicator, scope) at its event time: a numerator, a denominator, a
 * sample count and optionally a sample of a percentile indicator. For level indicators (open requests, catalogue
 * availability) the numbers are changes of the level. For distinct-count indicators (realtime route and stop
 * coverage) it names a member instead (a route or stop id) and how it was seen at that time ({@link Presence}).
 * The event's origin rides along so that a contribution found late can be dead-lettered with a pointer to its
 * input.
 *
 * @param sample   a sample of a percentile indicator (for the exact ones a whole number of seconds); NaN when the
 *                 contribution carries none
 * @param member   the member seen, for a distinct-count indicator; null otherwise
 * @param presence how the member was seen; null exactly when {@code member} is
 */
public record Contribution(String city, String indicatorId, String scope, long eventTimeMs, long numerator,
                           long denominator, long samples, double sample, EventOrigin origin, String member,
                           Presence presence) {

    /** How a member of a distinct-count series was seen at the contribution's event time. */
    public enum Presence {
        /** The schedule has the member in service then (the denominator's side). */
        SCHEDULED,
        /** Live data names the member then (the numerator's side, where it is also scheduled in the window). */
        LIVE
    }

    public Contribution {
        Objects.requireNonNull(city, "city");
        Objects.requireNonNull(indicatorId, "indicatorId");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(origin, "origin");
        if ((member == null) != (presence == null)) {
            throw new IllegalArgumentException("a member and its presence go together: " + member + ", " + presence);
        }
    }

    /** A contribution of numbers only (every indicator but the distinct counts). */
    public Contribution(String city, String indicatorId, String scope, long eventTimeMs, long numerator,
                        long denominator, long samples, double sample, EventOrigin origin) {
        this(city, indicatorId, scope, eventTimeMs, numerator, denominator, samples, sample, origin, null, null);
    }

    /** A count contribution: numerator and denominator of one event. */
    public static Contribution count(String city, String indicatorId, String scope, long eventTimeMs,
                                     long numerator, long denominator, EventOrigin origin) {
        return new Contribution(city, indicatorId, scope, eventTimeMs, numerator, denominator, 1, Double.NaN,
                origin);
    }

    /** One sample of a percentile indicator. */
    public static Contribution sample(String city, String indicatorId, String scope, long eventTimeMs,
                                      double sample, EventOrigin origin) {
        return new Contribution(city, indicatorId, scope, eventTimeMs, 0, 0, 1, sample, origin);
    }

    /** A member of a distinct-count series seen {@code presence} at {@code eventTimeMs}. */
    public static Contribution member(String city, String indicatorId, String scope, long eventTimeMs,
                                      String member, Presence presence, EventOrigin origin) {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(presence, "presence");
        return new Contribution(city, indicatorId, scope, eventTimeMs, 0, 0, 0, Double.NaN, origin, member,
                presence);
    }

    /**
     * Reference data riding with the contributions rather than a contribution to an indicator: the population of
     * one area ({@code city} or {@code district:<id>}, in {@code scope}) that the per-capita indicators of the city
     * divide by, from {@code eventTimeMs} on; {@code population} 0 withdraws it. It travels the same repartition
     * topic as the city's contributions so that it lands in the task that holds the city's series, in order with
     * them.
     */
    public static Contribution population(String city, String area, long population, long publishedAtMs,
                                          EventOrigin origin) {
        return new Contribution(city, POPULATION, area, publishedAtMs, population, 0, 0, Double.NaN, origin);
    }

    /** The indicator id of {@link #population} records; no catalogue id starts with '@'. */
    public static final String POPULATION = "@population";

    /** True for a {@link #population} record. */
    public boolean isPopulation() {
        return POPULATION.equals(indicatorId);
    }

    public boolean hasSample() {
        return !Double.isNaN(sample);
    }

    /** The series this contribution belongs to. */
    public SeriesKey series() {
        return new SeriesKey(city, indicatorId, scope);
    }
}
