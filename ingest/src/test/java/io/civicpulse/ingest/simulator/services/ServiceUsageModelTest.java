package io.civicpulse.ingest.simulator.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.intake.IntakeEvent;
import io.civicpulse.ingest.intake.IntakeEventParser;

class ServiceUsageModelTest {

    static final Instant EPOCH = Instant.parse("2026-11-01T00:00:00Z");
    static final double[] SOFIA = {42.62, 23.20, 42.77, 23.45};

    static ServiceUsageModel model(long seed) {
        return new ServiceUsageModel("sofia", seed, ZoneId.of("Europe/Sofia"), EPOCH, 0.2, SOFIA);
    }

    @Test
    void sameSeedGivesTheSameEventsAndAnyIntervalCanBeGeneratedOnItsOwn() {
        Instant from = Instant.parse("2026-11-10T08:00:00Z");
        Instant mid = from.plus(Duration.ofMinutes(37));
        Instant to = from.plus(Duration.ofHours(2));

        List<ServiceUsageModel.Event> whole = model(7).events(from, to);
        List<ServiceUsageModel.Event> split = new java.util.ArrayList<>(model(7).events(from, mid));
        split.addAll(model(7).events(mid, to));

        assertThat(whole).isNotEmpty();
        assertThat(split).extracting(ServiceUsageModel.Event::eventId)
                .containsExactlyElementsOf(whole.stream().map(ServiceUsageModel.Event::eventId).toList());
        assertThat(model(8).events(from, to)).extracting(ServiceUsageModel.Event::eventId)
                .isNotEqualTo(whole.stream().map(ServiceUsageModel.Event::eventId).toList());
    }

    @Test
    void quarterByQuarterGivesEverySessionThatEndsInTheQuarterEvenTheLongest() {
        // A pusher asks for one interval at a time; a session started just over 20 minutes before an interval
        // (they last up to 20.5 minutes, the payment 5 s more) must still end in it, or it never ends anywhere.
        Instant from = Instant.parse("2026-11-10T00:00:00Z");
        Instant to = from.plus(Duration.ofDays(2));
        List<String> quarterByQuarter = new java.util.ArrayList<>();
        for (Instant q = from; q.isBefore(to); q = q.plus(Duration.ofMinutes(15))) {
            model(7).events(q, q.plus(Duration.ofMinutes(15))).forEach(e -> quarterByQuarter.add(e.eventId()));
        }

        assertThat(quarterByQuarter).containsExactlyElementsOf(
                model(7).events(from, to).stream().map(ServiceUsageModel.Event::eventId).toList());
    }

    @Test
    void everyGeneratedEventIsAcceptedByTheIntakesValidation() throws Exception {
        Instant from = Instant.parse("2026-11-10T06:00:00Z");
        Instant to = from.plus(Duration.ofHours(6));
        List<ServiceUsageModel.Event> events = model(1).events(from, to);
        byte[] body = new ObjectMapper().writeValueAsBytes(events.stream().map(ServiceUsageModel.Event::fields).toList());

        List<IntakeEvent> parsed = new IntakeEventParser(Clock.fixed(to, ZoneOffset.UTC), Duration.ofMinutes(5))
                .parse(body, false);

        assertThat(parsed).hasSize(events.size()).allMatch(e -> e instanceof IntakeEvent.Accepted,
                "accepted: " + parsed.stream().filter(e -> e instanceof IntakeEvent.Rejected).findFirst()
                        .map(r -> ((IntakeEvent.Rejected) r).message() + " in "
                                + new String(((IntakeEvent.Rejected) r).raw(), StandardCharsets.UTF_8)).orElse(""));
        Map<String, Long> byType = events.stream().collect(Collectors.groupingBy(ServiceUsageModel.Event::type,
                Collectors.counting()));
        assertThat(byType).containsKeys("session", "payment", "open-data-access");
    }

    @Test
    void daysFollowACycleBusyAtMiddayQuietAtNight() {
        ServiceUsageModel model = model(3);
        // Sofia is UTC+2 in November: 11:00 local is 09:00Z, 03:00 local is 01:00Z.
        int midday = model.events(Instant.parse("2026-11-10T09:00:00Z"), Instant.parse("2026-11-10T10:00:00Z")).size();
        int night = model.events(Instant.parse("2026-11-10T01:00:00Z"), Instant.parse("2026-11-10T02:00:00Z")).size();
        assertThat(midday).isGreaterThan(night * 5);
    }

    @Test
    void channelMixDriftsTowardDigital() {
        ServiceUsageModel model = model(5);
        assertThat(digitalShareOfStartedSessions(model, 0)).isLessThan(digitalShareOfStartedSessions(model, 60));
        assertThat(model.digitalShare(60)).isGreaterThan(model.digitalShare(0));
    }

    private static double digitalShareOfStartedSessions(ServiceUsageModel model, int day) {
        Instant start = EPOCH.plus(Duration.ofDays(day));
        List<ServiceUsageModel.Event> started = model.events(start, start.plus(Duration.ofDays(1))).stream()
                .filter(e -> "started".equals(e.fields().get("phase"))).toList();
        long digital = started.stream().filter(e -> List.of("web", "app", "api").contains(e.fields().get("channel"))).count();
        return (double) digital / started.size();
    }

    @Test
    void requestsHaveSlasThatAreSometimesMissed() {
        List<ServiceUsageModel.Request> requests = model(2).requests(EPOCH, EPOCH.plus(Duration.ofDays(7)));
        long missed = requests.stream().filter(r -> r.closedAt().isAfter(r.expectedAt())).count();
        assertThat(requests).hasSizeGreaterThan(100);
        assertThat(missed).isPositive().isLessThan(requests.size() / 2);
        assertThat(requests).allMatch(r -> r.lat() >= SOFIA[0] && r.lat() <= SOFIA[2]);
    }

    @Test
    void catalogueIsAnnouncedWholeFirstThenOnlyServicesGoingOnline() throws Exception {
        ServiceUsageModel model = model(4);
        Instant day10 = EPOCH.plus(Duration.ofDays(10)).plus(Duration.ofHours(9));
        List<ServiceUsageModel.Event> first = model.catalogueChanges(null, day10);
        List<ServiceUsageModel.Event> later = model.catalogueChanges(day10, EPOCH.plus(Duration.ofDays(50)));

        assertThat(first).hasSize((int) SimulatedService.sofiaCatalogue().stream().filter(s -> !s.open311()).count());
        assertThat(first).filteredOn(e -> e.fields().get("serviceId").equals("building-permit"))
                .singleElement().satisfies(e -> assertThat(e.fields().get("onlineAvailable")).isEqualTo(false));
        assertThat(later).extracting(e -> e.fields().get("serviceId"))
                .containsExactlyInAnyOrder("marriage-certificate", "street-trade-permit", "building-permit");
        assertThat(later).allSatisfy(e -> assertThat(e.fields().get("onlineAvailable")).isEqualTo(true));
        byte[] body = new ObjectMapper().writeValueAsBytes(first.stream().map(ServiceUsageModel.Event::fields).toList());
        assertThat(new IntakeEventParser(Clock.fixed(day10, ZoneOffset.UTC), Duration.ofMinutes(5)).parse(body, false))
                .allMatch(e -> e instanceof IntakeEvent.Accepted);
    }
}
