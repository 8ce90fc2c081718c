package io.civicpulse.ingest.simulator.services;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A city's public-service usage as a deterministic function of (seed, time): e-service sessions with a daily
 * cycle and a channel mix that drifts toward digital day by day, payments, open-data downloads and API calls,
 * an e-service outage now and then, and Open311 requests with SLAs met or missed. Each minute draws from its own
 * random stream seeded by (seed, city, minute), so any interval can be generated on its own and twice gives the
 * same events: end-to-end tests compare indicators against exactly what was generated.
 */
public final class ServiceUsageModel {

    /** What a simulated city generates per day at scale 1.0 (Sofia-like magnitudes). */
    static final double SESSIONS_PER_DAY = 12_000;
    static final double OPEN_DATA_PER_DAY = 2_500;
    static final double REQUESTS_PER_DAY = 350;

    /** Share of sessions started on a digital channel on day 0, and how much it grows per day. */
    static final double DIGITAL_SHARE_START = 0.52;
    static final double DIGITAL_SHARE_DRIFT_PER_DAY = 0.004;
    static final double DIGITAL_SHARE_CAP = 0.9;

    /** Hourly weights of a working day (local time): night, morning peak, lunch dip, afternoon, evening. */
    private static final double[] HOURLY = {0.15, 0.08, 0.05, 0.05, 0.08, 0.2, 0.4, 0.8, 1.4, 1.8, 2.0, 1.9,
            1.5, 1.7, 1.8, 1.7, 1.4, 1.1, 0.9, 0.8, 0.7, 0.55, 0.4, 0.25};
    private static final double HOURLY_SUM;

    static {
        double sum = 0;
        for (double w : HOURLY) {
            sum += w;
        }
        HOURLY_SUM = sum;
    }

    /** A generated e-service event, as the city's systems would push it to the intake (JSON field names). */
    public record Event(Instant occurredAt, Map<String, Object> fields) {
        public String eventId() {
            return (String) fields.get("eventId");
        }

        public String type() {
            return (String) fields.get("type");
        }
    }

    /** A generated Open311 request and its fate. */
    public record Request(String id, SimulatedService service, Instant requestedAt, Instant expectedAt,
                          Instant acknowledgedAt, Instant closedAt, double lat, double lon, String description) {

        /** The request as GeoReport v2 shows it at {@code now}; null before it was filed. */
        public String status(Instant now) {
            return closedAt.isAfter(now) ? "open" : "closed";
        }

        public Instant updatedAt(Instant now) {
            if (!closedAt.isAfter(now)) {
                return closedAt;
            }
            return acknowledgedAt.isAfter(now) ? requestedAt : acknowledgedAt;
        }
    }

    private static final int MIN_SESSION_SECONDS = 30;
    private static final int MAX_EXTRA_SECONDS = 1_200;
    private static final int PAYMENT_AFTER_SECONDS = 5;
    /** How long after its start minute a session's last event (its payment) can be: 20 min 35 s. */
    private static final Duration LONGEST_SESSION_WITH_PAYMENT =
            Duration.ofSeconds(60 + MIN_SESSION_SECONDS + MAX_EXTRA_SECONDS + PAYMENT_AFTER_SECONDS);

    private final String city;
    private final long seed;
    private final ZoneId zone;
    private final Instant epoch;
    private final double scale;
    private final List<SimulatedService> catalogue;
    private final double[] bounds;

    /**
     * @param epoch  day 0 of the simulation: the channel drift and the services' go-online days count from it
     * @param scale  1.0 for a Sofia-sized city; tests use less
     * @param bounds south, west, north, east of the area requests are filed in
     */
    public ServiceUsageModel(String city, long seed, ZoneId zone, Instant epoch, double scale, double[] bounds) {
        this.city = city;
        this.seed = seed;
        this.zone = zone;
        this.epoch = epoch.truncatedTo(ChronoUnit.DAYS);
        this.scale = scale;
        this.catalogue = SimulatedService.sofiaCatalogue();
        this.bounds = bounds.clone();
    }

    public String city() {
        return city;
    }

    List<SimulatedService> catalogue() {
        return catalogue;
    }

    int day(Instant t) {
        return (int) Math.floorDiv(Duration.between(epoch, t).toSeconds(), 86_400L);
    }

    /** Share of sessions on digital channels on a given day: the trend the indicators should show. */
    public double digitalShare(int day) {
        return Math.min(DIGITAL_SHARE_CAP, DIGITAL_SHARE_START + DIGITAL_SHARE_DRIFT_PER_DAY * Math.max(0, day));
    }

    /** The outage window of a service on a day, if it has one: about one service-day in fifteen. */
    Instant[] outage(SimulatedService service, int day) {
        SplittableRandom r = random("outage", service.id().hashCode(), day);
        if (r.nextDouble() >= 1.0 / 15) {
            return null;
        }
        Instant dayStart = epoch.plus(Duration.ofDays(day));
        Instant start = dayStart.plus(Duration.ofMinutes(360 + r.nextInt(840)));
        return new Instant[] {start, start.plus(Duration.ofMinutes(20 + r.nextInt(100)))};
    }

    /** E-service, payment and open-data events with occurredAt in [from, to), in time order. */
    public List<Event> events(Instant from, Instant to) {
        List<Event> events = new ArrayList<>();
        // A session started before `from` may end (and be paid) inside the interval: look back over the longest.
        Instant minute = from.truncatedTo(ChronoUnit.MINUTES).minus(LONGEST_SESSION_WITH_PAYMENT)
                .truncatedTo(ChronoUnit.MINUTES);
        for (; minute.isBefore(to); minute = minute.plus(Duration.ofMinutes(1))) {
            generateMinute(minute, events);
        }
        events.removeIf(e -> e.occurredAt().isBefore(from) || !e.occurredAt().isBefore(to));
        events.sort(Comparator.comparing(Event::occurredAt).thenComparing(Event::eventId));
        return events;
    }

    private double perMinute(double perDay, Instant minute) {
        int hour = ZonedDateTime.ofInstant(minute, zone).getHour();
        return perDay * scale / 60.0 * HOURLY[hour] / HOURLY_SUM;
    }

    private void generateMinute(Instant minute, List<Event> out) {
        long index = minute.getEpochSecond() / 60;
        SplittableRandom r = random("minute", 0, index);
        int day = day(minute);
        int sessions = poisson(r, perMinute(SESSIONS_PER_DAY, minute));
        List<SimulatedService> sessionServices = catalogue.stream().filter(s -> !s.open311()).toList();
        for (int i = 0; i < sessions; i++) {
            SimulatedService service = pick(r, sessionServices);
            Instant started = minute.plusMillis(r.nextInt(60_000));
            String sessionId = city + "-s-" + index + "-" + i;
            boolean digital = service.onlineOn(day) && r.nextDouble() < digitalShare(day);
            String channel = digital ? pickChannel(r, new String[] {"web", "app", "api"}, new double[] {0.62, 0.33, 0.05})
                    : pickChannel(r, new String[] {"counter", "phone", "mail"}, new double[] {0.8, 0.15, 0.05});
            out.add(session(sessionId, "started", service, channel, started, null));
            Instant ended = started.plusSeconds(MIN_SESSION_SECONDS + r.nextInt(digital ? 900 : MAX_EXTRA_SECONDS));
            Instant[] outage = digital ? outage(service, day(started)) : null;
            boolean inOutage = outage != null && !started.isBefore(outage[0]) && started.isBefore(outage[1]);
            double u = r.nextDouble();
            double technical = inOutage ? 0.8 : 0.03;
            if (u < technical) {
                out.add(session(sessionId, "failed", service, channel, ended, "technical"));
            } else if (u < technical + 0.04) {
                out.add(session(sessionId, "failed", service, channel, ended, "user"));
            } else if (u < technical + 0.04 + (digital ? 0.07 : 0.01)) {
                out.add(session(sessionId, "abandoned", service, channel, ended, null));
            } else {
                out.add(session(sessionId, "completed", service, channel, ended, null));
                if (service.feeMinor() > 0 || service.category().equals("taxes")) {
                    out.add(payment(r, sessionId, service, channel, digital, ended));
                }
            }
        }
        int downloads = poisson(r, perMinute(OPEN_DATA_PER_DAY, minute));
        for (int i = 0; i < downloads; i++) {
            Map<String, Object> f = new LinkedHashMap<>();
            Instant t = minute.plusMillis(r.nextInt(60_000));
            f.put("type", "open-data-access");
            f.put("eventId", city + "-o-" + index + "-" + i);
            f.put("city", city);
            f.put("occurredAt", t.toString());
            f.put("datasetId", OPEN_DATASETS[r.nextInt(OPEN_DATASETS.length)]);
            boolean api = r.nextDouble() < 0.6;
            f.put("accessKind", api ? "api_call" : "download");
            f.put("format", api ? "json" : "csv");
            f.put("bytes", 1_000L + r.nextInt(api ? 50_000 : 5_000_000));
            out.add(new Event(t, f));
        }
    }

    private static final String[] OPEN_DATASETS = {"air-quality", "public-transport-stops", "budget-2026",
            "street-trees", "parking-zones", "construction-permits", "population-by-district", "bike-lanes",
            "kindergartens", "noise-measurements"};

    private Event session(String sessionId, String phase, SimulatedService service, String channel, Instant t,
                          String failureKind) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", "session");
        f.put("eventId", sessionId + "-" + phase);
        f.put("city", city);
        f.put("occurredAt", t.toString());
        f.put("sessionId", sessionId);
        f.put("serviceId", service.id());
        f.put("phase", phase);
        f.put("channel", channel);
        if (failureKind != null) {
            f.put("failureKind", failureKind);
        }
        f.put("source", "simulated-e-services");
        return new Event(t, f);
    }

    private Event payment(SplittableRandom r, String sessionId, SimulatedService service, String channel,
                          boolean digital, Instant t) {
        long minor = service.feeMinor() > 0 ? service.feeMinor() : 1_000 + r.nextInt(40_000);
        String method;
        if (digital) {
            method = pickChannel(r, new String[] {"card_online", "bank_transfer", "mobile_wallet"}, new double[] {0.7, 0.2, 0.1});
        } else {
            method = pickChannel(r, new String[] {"cash", "card_at_counter", "bank_transfer"}, new double[] {0.45, 0.45, 0.1});
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", "payment");
        f.put("eventId", sessionId + "-payment");
        f.put("city", city);
        f.put("occurredAt", t.plusSeconds(PAYMENT_AFTER_SECONDS).toString());
        f.put("paymentId", sessionId + "-p");
        f.put("serviceId", service.id());
        f.put("amount", java.math.BigDecimal.valueOf(minor, 2));
        f.put("currency", "BGN");
        f.put("method", method);
        f.put("channel", channel);
        return new Event(t.plusSeconds(PAYMENT_AFTER_SECONDS), f);
    }

    /**
     * The catalogue as the city's systems announce it: one catalogue-change event per service as it stands at
     * {@code at}, plus one for each service that went online on a day in (from, at]. Event ids name the service
     * and the day, so announcing the same state twice is idempotent.
     */
    public List<Event> catalogueChanges(Instant from, Instant at) {
        List<Event> events = new ArrayList<>();
        int today = day(at);
        for (SimulatedService service : catalogue) {
            if (service.open311()) {
                continue;
            }
            int firstDay = from == null ? today : day(from) + 1;
            for (int d = firstDay; d <= today; d++) {
                boolean changed = d == firstDay && from == null || service.digitalFrom() == d;
                if (!changed) {
                    continue;
                }
                Instant t = d == today && from == null ? at : epoch.plus(Duration.ofDays(d));
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("type", "catalogue-change");
                f.put("eventId", city + "-catalogue-" + service.id() + "-day-" + d);
                f.put("city", city);
                f.put("occurredAt", t.toString());
                f.put("serviceId", service.id());
                f.put("name", service.name());
                f.put("category", service.category());
                boolean online = service.onlineOn(d);
                f.put("onlineAvailable", online);
                f.put("channels", online ? List.of("web", "app", "counter") : List.of("counter", "mail"));
                events.add(new Event(t, f));
            }
        }
        events.sort(Comparator.comparing(Event::occurredAt).thenComparing(Event::eventId));
        return events;
    }

    /** Open311 requests filed in [from, to). */
    public List<Request> requests(Instant from, Instant to) {
        List<Request> requests = new ArrayList<>();
        List<SimulatedService> reportable = catalogue.stream().filter(SimulatedService::open311).toList();
        Instant hour = from.truncatedTo(ChronoUnit.HOURS);
        for (; hour.isBefore(to); hour = hour.plus(Duration.ofHours(1))) {
            long index = hour.getEpochSecond() / 3600;
            SplittableRandom r = random("requests", 0, index);
            int n = poisson(r, perMinute(REQUESTS_PER_DAY, hour) * 60);
            for (int i = 0; i < n; i++) {
                SimulatedService service = pick(r, reportable);
                Instant requested = hour.plusMillis(r.nextInt(3_600_000));
                Instant expected = requested.plus(Duration.ofHours(service.slaHours()));
                // Resolution in SLA units, log-normal-ish: most meet it, a tail misses it by days.
                double factor = Math.exp(r.nextGaussian() * 0.6 - 0.35);
                Instant closed = requested.plusSeconds((long) (service.slaHours() * 3600 * factor) + 600);
                Instant acknowledged = requested.plusSeconds(300 + r.nextInt(7_200));
                if (acknowledged.isAfter(closed)) {
                    acknowledged = requested.plusSeconds(60);
                }
                double lat = bounds[0] + r.nextDouble() * (bounds[2] - bounds[0]);
                double lon = bounds[1] + r.nextDouble() * (bounds[3] - bounds[1]);
                Request request = new Request(city + "-" + index + "-" + i, service, requested, expected,
                        acknowledged, closed, lat, lon, service.name() + " reported by a resident");
                if (!requested.isBefore(from) && requested.isBefore(to)) {
                    requests.add(request);
                }
            }
        }
        requests.sort(Comparator.comparing(Request::requestedAt));
        return requests;
    }

    private SplittableRandom random(String stream, int salt, long index) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h ^= city.hashCode() * 0xC2B2AE3D27D4EB4FL;
        h ^= stream.hashCode() * 0x165667B19E3779F9L;
        h ^= salt * 0x27D4EB2F165667C5L;
        h ^= index * 0x94D049BB133111EBL;
        return new SplittableRandom(h);
    }

    private static int poisson(SplittableRandom r, double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 50) {
            return Math.max(0, (int) Math.round(mean + Math.sqrt(mean) * r.nextGaussian()));
        }
        double l = Math.exp(-mean);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    private static SimulatedService pick(SplittableRandom r, List<SimulatedService> services) {
        double total = 0;
        for (SimulatedService s : services) {
            total += s.weight();
        }
        double u = r.nextDouble() * total;
        for (SimulatedService s : services) {
            u -= s.weight();
            if (u <= 0) {
                return s;
            }
        }
        return services.get(services.size() - 1);
    }

    private static String pickChannel(SplittableRandom r, String[] options, double[] weights) {
        double u = r.nextDouble();
        for (int i = 0; i < options.length; i++) {
            u -= weights[i];
            if (u <= 0) {
                return options[i];
            }
        }
        return options[options.length - 1];
    }
}
