package io.civicpulse.deploy.streams;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.civicpulse.ingest.simulator.services.ServiceUsageModel;

/**
 * The service indicators' definitions (the catalogue's, and DOMAIN.md's) applied in plain Java to what a scenario's
 * city generated: no engine code. Each event counts once, in the window of its event time; levels are the state at
 * the window's end; an empty window has no value.
 *
 * <p>Open311 requests reach the engine only as the poller saw them, and only from {@code earliest} on (the engine
 * refuses older events, the poller reads no further back): a request counts as filed when it was requested at or
 * after {@code earliest} and one of its versions (filed, acknowledged, closed) was served after {@code earliest}; as
 * closed when it closed after {@code earliest}. The endpoint serves requests filed in the 30 days before its clock.
 */
final class ServiceIndicatorOracle {

    /** One window of one series, as the engine keys its finals. */
    record Window(String label, Instant from, Instant to) {
        boolean holds(Instant t) {
            return !t.isBefore(from) && t.isBefore(to);
        }
    }

    /**
     * What a final must be. Ratios and counts: numerator and denominator exactly; percentiles: {@code value} is the
     * exact linearly interpolated percentile of {@code samples} values; per-capita: denominator is population / 100k
     * times the window's days.
     */
    record Expected(Kind kind, double numerator, double denominator, long samples, double value) {
    }

    enum Kind { RATIO, COUNT_LEVEL, PERCENTILE, PER_100K_PER_DAY }

    /** An entry of the service catalogue and when it took that state. */
    record CatalogueEntry(String serviceId, boolean online, Instant at) {
    }

    static final Duration OPEN311_HORIZON = Duration.ofDays(30);
    private static final Set<String> DIGITAL = Set.of("web", "app", "api");
    private static final Set<String> ELECTRONIC = Set.of("card_online", "bank_transfer", "mobile_wallet",
            "direct_debit", "card_at_counter");
    private static final double HOUR_MS = 3_600_000.0;
    private static final double DAY_MS = 86_400_000.0;

    private final List<ServiceUsageModel.Event> intakeEvents;
    private final List<CatalogueEntry> catalogue;
    private final List<ServiceUsageModel.Request> requests;
    private final List<Instant> polls;
    private final Instant earliest;
    private final Set<String> emergencyServices;
    private final Set<String> staffServices;
    private final long population;

    /**
     * @param intakeEvents e-service, payment and open-data events pushed (duplicates included or not: ids count once)
     * @param catalogue    every catalogue entry published, Open311's and the intake's, in any order
     * @param requests     the model's requests that may have been served (filed up to 30 days before the first poll)
     * @param polls        the clock instants the Open311 endpoint was polled at, ascending
     */
    ServiceIndicatorOracle(List<ServiceUsageModel.Event> intakeEvents, List<CatalogueEntry> catalogue,
                           List<ServiceUsageModel.Request> requests, List<Instant> polls, Instant earliest,
                           Set<String> emergencyServices, Set<String> staffServices, long population) {
        Map<String, ServiceUsageModel.Event> byId = new TreeMap<>();
        intakeEvents.forEach(e -> byId.putIfAbsent(e.eventId(), e));
        this.intakeEvents = List.copyOf(byId.values());
        this.catalogue = List.copyOf(catalogue);
        this.requests = List.copyOf(requests);
        this.polls = List.copyOf(polls);
        this.earliest = earliest;
        this.emergencyServices = Set.copyOf(emergencyServices);
        this.staffServices = Set.copyOf(staffServices);
        this.population = population;
    }

    /** Expected finals by {@code indicator|scope|window@from}, for the windows given; windows without data left out. */
    Map<String, Expected> expected(List<Window> windows) {
        Map<String, Expected> expected = new TreeMap<>();
        for (Window w : windows) {
            sessionsAndPayments(w, expected);
            openData(w, expected);
            availability(w, expected);
            requests(w, expected);
        }
        return expected;
    }

    static String key(String indicator, String scope, Window w) {
        return indicator + "|" + scope + "|" + w.label() + "@" + w.from();
    }

    /**
     * e-service-success: sessions that ended (completed, failed, abandoned) in the window, successful when completed;
     * digital-channel-share: completed sessions on web, app or api / completed; e-payment-share: electronic / all
     * payments (every method but cash and cheque is electronic). City and service scopes.
     */
    private void sessionsAndPayments(Window w, Map<String, Expected> into) {
        Map<String, long[]> counts = new HashMap<>();
        for (ServiceUsageModel.Event e : intakeEvents) {
            if (!w.holds(e.occurredAt())) {
                continue;
            }
            Map<String, Object> f = e.fields();
            String service = "service:" + f.get("serviceId");
            if (e.type().equals("session") && !f.get("phase").equals("started")) {
                boolean completed = f.get("phase").equals("completed");
                add(counts, "gov.e-service-success", service, completed ? 1 : 0, 1);
                if (completed) {
                    add(counts, "gov.digital-channel-share", service, DIGITAL.contains(f.get("channel")) ? 1 : 0, 1);
                }
            } else if (e.type().equals("payment")) {
                add(counts, "gov.e-payment-share", service, ELECTRONIC.contains(f.get("method")) ? 1 : 0, 1);
            }
        }
        counts.forEach((series, c) -> into.put(series + "|" + w.label() + "@" + w.from(),
                new Expected(Kind.RATIO, c[0], c[1], c[1], 0)));
    }

    /** Adds to the city scope and to {@code scope}. */
    private static void add(Map<String, long[]> counts, String indicator, String scope, long numerator,
                            long denominator) {
        for (String s : List.of("city", scope)) {
            long[] c = counts.computeIfAbsent(indicator + "|" + s, k -> new long[2]);
            c[0] += numerator;
            c[1] += denominator;
        }
    }

    /** Downloads and API calls in the window per 100,000 residents per day of the window. */
    private void openData(Window w, Map<String, Expected> into) {
        long accesses = intakeEvents.stream()
                .filter(e -> e.type().equals("open-data-access") && w.holds(e.occurredAt()))
                .filter(e -> Set.of("download", "api_call").contains(e.fields().get("accessKind")))
                .count();
        if (accesses > 0) {
            into.put(key("gov.open-data-use-per-100k", "city", w), perCapita(accesses, w));
        }
    }

    private Expected perCapita(long count, Window w) {
        double days = Duration.between(w.from(), w.to()).toMillis() / DAY_MS;
        return new Expected(Kind.PER_100K_PER_DAY, count, population / 100_000.0 * days, count, 0);
    }

    /** The catalogue as it stands at the window's end: each service's newest entry from before it. */
    private void availability(Window w, Map<String, Expected> into) {
        Map<String, CatalogueEntry> standing = new HashMap<>();
        for (CatalogueEntry entry : catalogue) {
            if (entry.at().isBefore(w.to())) {
                standing.merge(entry.serviceId(), entry, (a, b) -> b.at().isAfter(a.at()) ? b : a);
            }
        }
        if (!standing.isEmpty()) {
            long online = standing.values().stream().filter(CatalogueEntry::online).count();
            into.put(key("gov.online-service-availability", "city", w),
                    new Expected(Kind.RATIO, online, standing.size(), standing.size(), 0));
        }
    }

    /**
     * requests-closed-on-time: closed by the expected time / closed, in the window where they close;
     * request-resolution-time-p50: median hours from requested to closed of the non-emergency ones closed in the
     * window; open-requests: filed before the window's end and not closed before it (no value before the series'
     * first request); civic-reports-per-100k: filed by residents in the window. City and service scopes (civic
     * reports: city only, population being known per area).
     */
    private void requests(Window w, Map<String, Expected> into) {
        Map<String, long[]> onTime = new HashMap<>();
        Map<String, List<Double>> hours = new HashMap<>();
        Map<String, long[]> open = new HashMap<>();
        long residentReports = 0;
        for (ServiceUsageModel.Request r : requests) {
            String service = "service:" + r.service().id();
            boolean filed = filedSeen(r);
            boolean closed = closedSeen(r);
            if (closed && w.holds(r.closedAt())) {
                for (String scope : List.of("city", service)) {
                    long[] c = onTime.computeIfAbsent(scope, k -> new long[2]);
                    c[0] += r.closedAt().isAfter(r.expectedAt()) ? 0 : 1;
                    c[1]++;
                    if (!emergencyServices.contains(r.service().id())) {
                        hours.computeIfAbsent(scope, k -> new ArrayList<>())
                                .add((r.closedAt().toEpochMilli() - r.requestedAt().toEpochMilli()) / HOUR_MS);
                    }
                }
            }
            if (filed && r.requestedAt().isBefore(w.to())) {
                boolean stillOpen = !(closed && r.closedAt().isBefore(w.to()));
                for (String scope : List.of("city", service)) {
                    // [0] open at the end, [1] requests counted so far: the series exists once there was one.
                    long[] c = open.computeIfAbsent(scope, k -> new long[2]);
                    c[0] += stillOpen ? 1 : 0;
                    c[1]++;
                }
            }
            if (filed && w.holds(r.requestedAt()) && !staffServices.contains(r.service().id())) {
                residentReports++;
            }
        }
        onTime.forEach((scope, c) -> into.put(key("gov.requests-closed-on-time", scope, w),
                new Expected(Kind.RATIO, c[0], c[1], c[1], 0)));
        hours.forEach((scope, samples) -> into.put(key("gov.request-resolution-time-p50", scope, w),
                new Expected(Kind.PERCENTILE, 0, 0, samples.size(), median(samples))));
        open.forEach((scope, c) -> into.put(key("gov.open-requests", scope, w),
                new Expected(Kind.COUNT_LEVEL, c[0], 1, c[0], 0)));
        if (residentReports > 0) {
            into.put(key("gov.civic-reports-per-100k", "city", w), perCapita(residentReports, w));
        }
    }

    /** Linear interpolation between the samples of ranks floor(0.5(n-1)) and ceil(0.5(n-1)). */
    static double median(List<Double> samples) {
        List<Double> sorted = samples.stream().sorted().toList();
        double rank = 0.5 * (sorted.size() - 1);
        int lower = (int) Math.floor(rank);
        int upper = (int) Math.ceil(rank);
        return sorted.get(lower) + (rank - lower) * (sorted.get(upper) - sorted.get(lower));
    }

    /** The engine got the request's OPENED: filed from {@code earliest} on, and some version of it was served. */
    private boolean filedSeen(ServiceUsageModel.Request r) {
        return !r.requestedAt().isBefore(earliest)
                && (served(r, r.requestedAt()) || served(r, r.acknowledgedAt()) || served(r, r.closedAt()));
    }

    /** The engine got the request's CLOSED: it closed after {@code earliest} and its closed version was served. */
    private boolean closedSeen(ServiceUsageModel.Request r) {
        return served(r, r.closedAt());
    }

    /**
     * A version updated at {@code version} was served: after {@code earliest} (the first poll's updated_after), by
     * the last poll, and the request was within the endpoint's 30 days at the first poll that could show it.
     */
    private boolean served(ServiceUsageModel.Request r, Instant version) {
        if (!version.isAfter(earliest)) {
            return false;
        }
        for (Instant poll : polls) {
            if (!poll.isBefore(version)) {
                return !r.requestedAt().isBefore(poll.minus(OPEN311_HORIZON));
            }
        }
        return false;
    }
}
