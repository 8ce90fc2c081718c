package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.core.ConditionTimeoutException;

import io.civicpulse.deploy.streams.ServiceIndicatorOracle.CatalogueEntry;
import io.civicpulse.deploy.streams.ServiceIndicatorOracle.Expected;
import io.civicpulse.deploy.streams.ServiceIndicatorOracle.Window;
import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.open311.Open311Ingest;
import io.civicpulse.ingest.open311.Open311Poller;
import io.civicpulse.ingest.simulator.services.IntakePusher;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.ingest.simulator.services.SimulatedOpen311;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.topics.Topics;

/**
 * Three simulated daytime hours of a fresh city's public services (the latest that started four or more hours ago
 * between 07:00 and 20:00 local, so the test finds requests at any hour it runs), fed the real way: e-service
 * sessions, payments, open-data use and catalogue changes pushed to an intake quarter by quarter (each batch twice,
 * as a retrying client would); Open311 requests served by the simulated GeoReport v2 endpoint and polled by the real
 * Open311 ingest, whose clock steps to each quarter's end before that quarter is pushed; the city's population
 * produced to the population topic as reference data. The engine's final 15-minute and 1-hour values (city and
 * service scopes) are read back and compared with {@link ServiceIndicatorOracle}.
 *
 * <p>Only windows that end at least {@link #SETTLED} before the last pushed event are checked: a window closes when
 * every input partition's newest event passed its end plus the grace period, and at night a city's payments reach
 * each of six partitions only every few minutes.
 *
 * <p>Open311 history starts at {@link #earliest}: the ITs tell the engine to refuse older events (the shared topics
 * hold other tests' cities, some with a month of history), and the poller's first poll, at that instant, reads no
 * further back. The endpoint is polled at {@code earliest}, at {@code start} and at every quarter's end; its events
 * of a quarter are published before the quarter's e-service events, so none is late.
 */
final class ServiceUsageScenario implements AutoCloseable {

    private static final Duration QUARTER = Duration.ofMinutes(15);
    private static final Duration HOUR = Duration.ofHours(1);
    /** How long before the last pushed event the last checked window ends (grace 5 min, plus sparse partitions). */
    static final Duration SETTLED = Duration.ofMinutes(45);
    /** How far before {@link #start} the engine accepts events and the Open311 poller reads. */
    static final Duration HISTORY = Duration.ofHours(1);
    /** Open311 services the city files as emergencies (not in the resolution time), by its staff, offline only. */
    static final Set<String> EMERGENCY_SERVICES = Set.of("fallen-tree");
    static final Set<String> STAFF_SERVICES = Set.of("street-light");
    static final Set<String> OFFLINE_SERVICES = Set.of("abandoned-vehicle");
    static final long POPULATION = 1_286_383;
    /** Local hours a scenario may start at: it then ends by 23:00, before the simulated city's quiet night. */
    private static final int FIRST_START_HOUR = 7;
    private static final int LAST_START_HOUR = 20;
    /**
     * Each indicator checked and the fewest values that must be compared, city and service scopes of both windows
     * together. Scenarios starting at 07:00 to 20:00 local gave at least twice as many for 2,100 random cities (civic
     * reports at 21:00: 9; requests closed: 23); from 22:00 to 05:00 residents file about one request an hour, and
     * many had no civic report or open request at all.
     */
    static final Map<String, Integer> MINIMUM_COMPARED = Map.of(
            "gov.e-service-success", 100,
            "gov.digital-channel-share", 100,
            "gov.e-payment-share", 80,
            "gov.online-service-availability", 18,
            "gov.open-data-use-per-100k", 12,
            "gov.requests-closed-on-time", 12,
            "gov.request-resolution-time-p50", 12,
            "gov.open-requests", 30,
            "gov.civic-reports-per-100k", 4);
    private static final String OPEN311_REQUESTS_FEED = "open311-requests";

    final String city = "e2e" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final ZoneId zone = ZoneId.of("Europe/Sofia");
    final Instant start = daytimeStart(Instant.now().minus(Duration.ofHours(4)).truncatedTo(ChronoUnit.HOURS), zone);
    final Instant end = start.plus(Duration.ofHours(3));
    final Instant earliest = start.minus(HISTORY);
    final ServiceUsageModel model = new ServiceUsageModel(city, 17, zone, start.minus(Duration.ofDays(30)), 0.5,
            new double[] {42.62, 23.20, 42.77, 23.45});
    /** Finals of PT15M and PT1H windows, by indicator|scope|window@from. */
    final Map<String, IndicatorValue> finals = new ConcurrentHashMap<>();
    /** End of the newest live city-scope PT15M window seen: where the engine's stream time is. */
    private volatile Instant newestLiveTo;

    private final SettableClock open311Clock = new SettableClock(earliest);
    /** The clock instants the endpoint was polled at, and the catalogue entries published, for the oracle. */
    private final List<Instant> polls = new CopyOnWriteArrayList<>();
    private final List<CatalogueEntry> catalogue = new CopyOnWriteArrayList<>();
    private HttpServer open311Server;
    private Open311Ingest open311;
    /** Expected finals of the checked windows with data; known once the Open311 endpoint listed its services. */
    private volatile Map<String, Expected> expected;

    /**
     * Posts the quarters in [from, to), each batch twice, each after the Open311 endpoint was polled at its end.
     * The first call produces the population and starts the Open311 feed; the call reaching {@link #end} stops it.
     */
    void push(URI eventsUrl, String apiKey, Instant from, Instant to) throws Exception {
        if (open311 == null) {
            startOpen311AndPopulation();
        }
        for (Instant quarter = from; quarter.isBefore(to); quarter = quarter.plus(QUARTER)) {
            Instant quarterEnd = quarter.plus(QUARTER);
            pollOpen311At(quarterEnd);
            Clock at = Clock.fixed(quarterEnd, ZoneOffset.UTC);
            // Each pusher announces the catalogue as it stands at its clock before its first events.
            model.catalogueChanges(null, quarterEnd).forEach(e -> catalogue.add(new CatalogueEntry(
                    (String) e.fields().get("serviceId"), (Boolean) e.fields().get("onlineAvailable"),
                    e.occurredAt())));
            for (int attempt = 0; attempt < 2; attempt++) {
                try (IntakePusher pusher = new IntakePusher(model, at, eventsUrl, apiKey, quarter)) {
                    assertThat(pusher.pushUntilNow()).isPositive();
                }
            }
        }
        if (!to.isBefore(end)) {
            close();
        }
    }

    private void startOpen311AndPopulation() throws Exception {
        Map<String, Object> kafka = SharedStack.clientConfig();
        try (KafkaProducer<String, AreaPopulation> producer = new KafkaProducer<>(kafka,
                Topics.POPULATION.keySerde().serializer(), Topics.POPULATION.valueSerde(kafka).serializer())) {
            producer.send(new ProducerRecord<>(Topics.POPULATION.name(), city + "/city", AreaPopulation.newBuilder()
                    .setCity(city).setArea("city").setPopulation(POPULATION).setAsOf(LocalDate.of(2021, 9, 7))
                    .setSource("e2e scenario").build())).get();
        }
        open311Server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String base = new SimulatedOpen311(model, open311Clock, 1000).register(open311Server);
        open311Server.start();
        URI baseUrl = URI.create("http://127.0.0.1:" + open311Server.getAddress().getPort() + base);
        // Polled every 100 ms of wall time, each poll at the scenario's clock; the first poll reads nothing before
        // it (no lookback), since the engine refuses events from before earliest.
        open311 = Open311Ingest.start(CityConfig.of(city, zone), new Open311Poller.Settings(baseUrl, null, null,
                Duration.ofMillis(100), Duration.ZERO, 1000, Duration.ofSeconds(20), EMERGENCY_SERVICES,
                STAFF_SERVICES, OFFLINE_SERVICES), kafka, open311Clock);
        pollOpen311At(earliest);
        // The poller publishes the services it lists at its first poll, online unless configured offline.
        HttpResponse<byte[]> services = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(baseUrl + "/services.json")).build(), HttpResponse.BodyHandlers.ofByteArray());
        for (JsonNode service : JsonMapper.builder().build().readTree(services.body())) {
            String code = service.get("service_code").asText();
            catalogue.add(new CatalogueEntry(code, !OFFLINE_SERVICES.contains(code), earliest));
        }
        pollOpen311At(start);
        expected = expectedFinals();
    }

    /**
     * Sets the endpoint's and the poller's clock and waits until a poll that began after that finished: the poll
     * counted two after the change began after it (the one in between may have read the clock before), and the
     * next one begins only after it published everything.
     */
    private void pollOpen311At(Instant t) {
        open311Clock.set(t);
        polls.add(t);
        long before = open311.metrics().polls(OPEN311_REQUESTS_FEED);
        await("a poll of the Open311 endpoint at " + t).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> open311.metrics().polls(OPEN311_REQUESTS_FEED) >= before + 3);
        assertThat(open311.metrics().pollFailures(OPEN311_REQUESTS_FEED)).as("failed Open311 polls").isZero();
    }

    /**
     * The latest hour at or before {@code latest} that starts between {@link #FIRST_START_HOUR} and
     * {@link #LAST_START_HOUR} local time: at most 15 hours before now, so that a catalogue change pushed now still
     * counts from when it happened (the engine backdates a change by a day at most).
     */
    static Instant daytimeStart(Instant latest, ZoneId zone) {
        Instant candidate = latest;
        int hour = candidate.atZone(zone).getHour();
        while (hour < FIRST_START_HOUR || hour > LAST_START_HOUR) {
            candidate = candidate.minus(HOUR);
            hour = candidate.atZone(zone).getHour();
        }
        return candidate;
    }

    /** The PT15M windows from start, and the PT1H windows ending from start + 15 min, up to end - SETTLED. */
    private List<Window> checkedWindows() {
        List<Window> windows = new ArrayList<>();
        Instant last = end.minus(SETTLED);
        for (Instant to = start.plus(QUARTER); !to.isAfter(last); to = to.plus(QUARTER)) {
            windows.add(new Window("PT15M", to.minus(QUARTER), to));
            windows.add(new Window("PT1H", to.minus(HOUR), to));
        }
        return windows;
    }

    private Map<String, Expected> expectedFinals() {
        // Every request the endpoint can have served: filed up to its 30 days before the first poll.
        List<ServiceUsageModel.Request> requests = model.requests(
                earliest.minus(ServiceIndicatorOracle.OPEN311_HORIZON), end);
        List<Instant> plannedPolls = new ArrayList<>(polls);
        for (Instant t = start.plus(QUARTER); !t.isAfter(end); t = t.plus(QUARTER)) {
            plannedPolls.add(t);
        }
        List<CatalogueEntry> plannedCatalogue = new ArrayList<>(catalogue);
        for (Instant t = start.plus(QUARTER); !t.isAfter(end); t = t.plus(QUARTER)) {
            for (ServiceUsageModel.Event e : model.catalogueChanges(null, t)) {
                plannedCatalogue.add(new CatalogueEntry((String) e.fields().get("serviceId"),
                        (Boolean) e.fields().get("onlineAvailable"), e.occurredAt()));
            }
        }
        return new ServiceIndicatorOracle(model.events(start, end), plannedCatalogue, requests, plannedPolls,
                earliest, EMERGENCY_SERVICES, STAFF_SERVICES, POPULATION).expected(checkedWindows());
    }

    private Map<String, Expected> expected() {
        Map<String, Expected> known = expected;
        if (known == null) {
            throw new IllegalStateException("nothing pushed yet: the Open311 endpoint has not listed its services");
        }
        return known;
    }

    KafkaConsumer<String, IndicatorValue> finalsConsumer() {
        return SharedStack.indicatorsConsumer("finals-" + city);
    }

    /** Reads what arrived; true once the final of every checked window with data is in. */
    boolean collectFinals(KafkaConsumer<String, IndicatorValue> consumer) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> {
            IndicatorValue v = r.value();
            if (!v.getCity().equals(city) || !Set.of("PT15M", "PT1H").contains(v.getWindow())) {
                return;
            }
            if (v.getFinal$()) {
                IndicatorValue before = finals.put(v.getIndicatorId() + "|" + v.getScope() + "|" + v.getWindow() + "@"
                        + v.getCalculationPeriodFrom(), v);
                assertThat(before).as("one final per window, even across a crash: %s", v).isNull();
            } else if (v.getScope().equals("city") && v.getWindow().equals("PT15M")
                    && (newestLiveTo == null || v.getCalculationPeriodTo().isAfter(newestLiveTo))) {
                newestLiveTo = v.getCalculationPeriodTo();
            }
        });
        return finals.keySet().containsAll(expected().keySet());
    }

    /**
     * Waits until {@link #collectFinals} has them all; on timeout fails with what is missing, how far the engine got
     * and {@code context} (the engine's output, say).
     */
    void awaitAllFinals(KafkaConsumer<String, IndicatorValue> consumer, Duration within, Callable<String> context)
            throws Exception {
        awaitFinals(() -> collectFinals(consumer), "the finals of every checked window", within, context);
    }

    void awaitFinals(Callable<Boolean> condition, String what, Duration within, Callable<String> context)
            throws Exception {
        try {
            await(what).atMost(within).pollInterval(Duration.ofMillis(200)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " did not arrive within " + within + ": " + progress() + "\n"
                    + context.call(), e);
        }
    }

    /** The finals of the checked windows that end within the first {@code quarters} quarters are in. */
    boolean hasFinalsOfFirstQuarters(int quarters) {
        Instant until = start.plus(QUARTER.multipliedBy(quarters));
        return expected().keySet().stream().filter(k -> !windowOf(k).to().isAfter(until)).allMatch(finals::containsKey);
    }

    private static Window windowOf(String key) {
        String label = key.substring(key.lastIndexOf('|') + 1, key.indexOf('@'));
        Instant from = Instant.parse(key.substring(key.indexOf('@') + 1));
        return new Window(label, from, from.plus(label.equals("PT1H") ? HOUR : QUARTER));
    }

    /** For a failure message: which finals are missing, and how far the engine's live values got. */
    String progress() {
        Set<String> missing = new TreeSet<>(expected == null ? Set.of() : expected.keySet());
        missing.removeAll(finals.keySet());
        return "city " + city + ", events " + start + " to " + end + ": " + finals.size() + " finals in, "
                + missing.size() + " missing " + (missing.size() > 20 ? new ArrayList<>(missing).subList(0, 20)
                + "..." : missing) + "; newest live window ends " + newestLiveTo;
    }

    /**
     * Compares every final of a checked window with the independent computation, both ways (a final without data
     * behind it fails too), and checks that each indicator had enough values compared; returns how many were.
     */
    int assertFinalsMatchTheGeneratedEvents() {
        Map<String, Expected> want = expected();
        Set<Window> checked = Set.copyOf(checkedWindows());
        Set<String> compared = new TreeSet<>();
        for (Map.Entry<String, IndicatorValue> entry : new TreeMap<>(finals).entrySet()) {
            String indicator = entry.getKey().substring(0, entry.getKey().indexOf('|'));
            if (MINIMUM_COMPARED.containsKey(indicator) && checked.contains(windowOf(entry.getKey()))) {
                assertThat(want).as("final without data behind it: %s", entry.getValue())
                        .containsKey(entry.getKey());
            }
        }
        Map<String, Integer> perIndicator = new TreeMap<>();
        for (Map.Entry<String, Expected> entry : want.entrySet()) {
            String key = entry.getKey();
            IndicatorValue value = finals.get(key);
            assertThat(value).as("final of " + key).isNotNull();
            assertMatches(key, entry.getValue(), value);
            compared.add(key);
            perIndicator.merge(key.substring(0, key.indexOf('|')), 1, Integer::sum);
        }
        MINIMUM_COMPARED.forEach((indicator, minimum) -> assertThat(perIndicator.getOrDefault(indicator, 0))
                .as("values of " + indicator + " compared (" + perIndicator + ")").isGreaterThanOrEqualTo(minimum));
        return compared.size();
    }

    private static void assertMatches(String key, Expected want, IndicatorValue got) {
        assertThat(got.getSampleCount()).as(key + " sample count").isEqualTo(want.samples());
        switch (want.kind()) {
            case RATIO -> {
                assertThat(got.getNumerator()).as(key + " numerator").isEqualTo(want.numerator());
                assertThat(got.getDenominator()).as(key + " denominator").isEqualTo(want.denominator());
                assertThat(got.getKpiValue()).as(key + " value")
                        .isCloseTo(100.0 * want.numerator() / want.denominator(), within(1e-9));
            }
            case COUNT_LEVEL -> {
                assertThat(got.getNumerator()).as(key + " open requests").isEqualTo(want.numerator());
                assertThat(got.getKpiValue()).as(key + " value").isEqualTo(want.numerator());
            }
            case PERCENTILE -> assertThat(got.getKpiValue()).as(key + " median hours, sketch within 1%")
                    .isCloseTo(want.value(), withinPercentage(1));
            case PER_100K_PER_DAY -> {
                assertThat(got.getNumerator()).as(key + " events").isEqualTo(want.numerator());
                // population / 100k x window days, as doubles: equal but for the last bits of rounding
                assertThat(got.getDenominator()).as(key + " residents / 100k x days")
                        .isCloseTo(want.denominator(), withinPercentage(1e-9));
                assertThat(got.getKpiValue()).as(key + " value")
                        .isCloseTo(want.numerator() / want.denominator(), withinPercentage(1e-9));
            }
            default -> throw new IllegalStateException("unknown kind " + want.kind());
        }
    }

    /** Stops the Open311 feed; idempotent. */
    @Override
    public synchronized void close() {
        if (open311 != null) {
            open311.close();
        }
        if (open311Server != null) {
            open311Server.stop(0);
            open311Server = null;
        }
    }

    /** The simulated Open311 endpoint's and poller's clock: the scenario sets it to each instant it polls at. */
    private static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the scenario's clock is in UTC");
        }
    }
}
