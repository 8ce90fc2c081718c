package io.civicpulse.streams.catalogue;

/** What an indicator value is computed over; the prefix is how the scope appears in keys ({@code route:94}). */
public enum ScopeKind {
    CITY("city"),
    ROUTE("route:"),
    STOP("stop:"),
    DISTRICT("district:"),
    SERVICE("service:");

    private final String prefix;

    ScopeKind(String prefix) {
        this.prefix = prefix;
    }

    /** The scope string for one member, e.g. {@code service:parking-permit}; just {@code city} for the city. */
    public String scope(String id) {
        return this == CITY ? prefix : prefix + id;
    }

    public static final String CITY_SCOPE = "city";
}
