package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StaticFeedTest {

    private static final Instant TUESDAY_8AM = Instant.parse("2026-03-31T05:00:00Z");
    private static byte[] zip;
    private static Map<String, List<Map<String, String>>> files;

    @BeforeAll
    static void generate() {
        CitySimulation sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL,
                SimulationClock.manual(TUESDAY_8AM));
        zip = sofia.staticFeed().body();
        files = GtfsCsv.read(zip);
    }

    @Test
    void sameSeedGivesTheSameZipByteForByte() {
        CitySimulation again = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL,
                SimulationClock.manual(TUESDAY_8AM));
        assertThat(again.staticFeed().body()).isEqualTo(zip);
    }

    @Test
    void anotherSeedGivesAnotherNetwork() {
        CitySimulation other = CitySimulation.create(CityProfile.sofia(), 43, NetworkSize.SMALL,
                SimulationClock.manual(TUESDAY_8AM));
        assertThat(other.staticFeed().body()).isNotEqualTo(zip);
    }

    @Test
    void hasTheRequiredFilesAndColumnsAndNoCalendarTxt() {
        assertThat(files).containsKeys("agency.txt", "routes.txt", "stops.txt", "trips.txt", "stop_times.txt",
                "calendar_dates.txt", "frequencies.txt", "feed_info.txt").doesNotContainKey("calendar.txt");
        assertThat(GtfsCsv.header(zip, "agency.txt")).contains("agency_name", "agency_url", "agency_timezone");
        assertThat(GtfsCsv.header(zip, "routes.txt")).contains("route_id", "route_short_name", "route_type");
        assertThat(GtfsCsv.header(zip, "stops.txt")).contains("stop_id", "stop_name", "stop_lat", "stop_lon");
        assertThat(GtfsCsv.header(zip, "trips.txt")).contains("route_id", "service_id", "trip_id");
        assertThat(GtfsCsv.header(zip, "stop_times.txt")).contains("trip_id", "arrival_time", "departure_time",
                "stop_id", "stop_sequence");
        assertThat(GtfsCsv.header(zip, "calendar_dates.txt")).containsExactly("service_id", "date", "exception_type");
        assertThat(files.get("agency.txt").get(0).get("agency_timezone")).isEqualTo("Europe/Sofia");
    }

    @Test
    void idsAreShapedLikeSofias() {
        assertThat(files.get("trips.txt")).allSatisfy(t ->
                assertThat(t.get("trip_id")).matches("(A|TB|TM)\\d+-(A|TB|TM)\\d+-[167]-\\d+-\\d{10}"));
        assertThat(files.get("stops.txt")).allSatisfy(s -> assertThat(s.get("stop_id")).matches("(A|TB|TM)\\d{4}"));
        assertThat(files.get("routes.txt")).extracting(r -> r.get("route_type")).contains("0", "3", "11");
        assertThat(files.get("stops.txt")).anySatisfy(s -> assertThat(s.get("stop_id")).startsWith("TM0"));
    }

    @Test
    void everyTripsServiceRunsOnSomeDateOfCalendarDates() {
        Set<String> services = files.get("calendar_dates.txt").stream().map(r -> r.get("service_id"))
                .collect(Collectors.toSet());
        assertThat(files.get("calendar_dates.txt")).allSatisfy(r -> assertThat(r.get("exception_type")).isEqualTo("1"));
        assertThat(files.get("trips.txt")).allSatisfy(t -> assertThat(services).contains(t.get("service_id")));
    }

    @Test
    void publicHolidaysRunTheSundayTimetable() {
        CitySimulation sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL,
                SimulationClock.manual(Instant.parse("2026-03-01T10:00:00Z")));
        Map<String, List<Map<String, String>>> march = GtfsCsv.read(sofia.staticFeed().body());
        // 3 March 2026, Liberation Day, is a Tuesday.
        assertThat(march.get("calendar_dates.txt")).filteredOn(r -> r.get("date").equals("20260303"))
                .extracting(r -> r.get("service_id")).containsExactly("sunday-holiday");
    }

    @Test
    void stopTimesOfEveryTripAreOrderedBySequenceAndTime() {
        Map<String, List<Map<String, String>>> byTrip = files.get("stop_times.txt").stream()
                .collect(Collectors.groupingBy(r -> r.get("trip_id")));
        assertThat(byTrip.keySet()).isEqualTo(files.get("trips.txt").stream().map(t -> t.get("trip_id"))
                .collect(Collectors.toSet()));
        byTrip.forEach((trip, rows) -> {
            for (int i = 1; i < rows.size(); i++) {
                assertThat(Integer.parseInt(rows.get(i).get("stop_sequence")))
                        .isGreaterThan(Integer.parseInt(rows.get(i - 1).get("stop_sequence")));
                assertThat(GtfsTime.parse(rows.get(i).get("arrival_time")))
                        .isGreaterThan(GtfsTime.parse(rows.get(i - 1).get("departure_time")));
            }
        });
    }

    @Test
    void tripsAfterMidnightHaveTimesPast24Hours() {
        assertThat(files.get("stop_times.txt")).anySatisfy(r ->
                assertThat(GtfsTime.parse(r.get("departure_time"))).isGreaterThanOrEqualTo(25 * 3600));
    }

    @Test
    void theLoopRouteVisitsAStopTwiceInOneTrip() {
        Map<String, List<String>> stopsByTrip = new HashMap<>();
        for (Map<String, String> r : files.get("stop_times.txt")) {
            stopsByTrip.computeIfAbsent(r.get("trip_id"), k -> new ArrayList<>()).add(r.get("stop_id"));
        }
        assertThat(stopsByTrip.values()).anySatisfy(stops ->
                assertThat(new HashSet<>(stops)).hasSizeLessThan(stops.size()));
    }

    @Test
    void frequenciesReferToATripOfTheFeed() {
        Set<String> trips = files.get("trips.txt").stream().map(t -> t.get("trip_id")).collect(Collectors.toSet());
        assertThat(files.get("frequencies.txt")).isNotEmpty().allSatisfy(f -> {
            assertThat(trips).contains(f.get("trip_id"));
            assertThat(Integer.parseInt(f.get("headway_secs"))).isPositive();
        });
    }

    @Test
    void stopsLieInsideSofiaAndNamesWithCommasSurviveQuoting() {
        CityProfile sofia = CityProfile.sofia();
        assertThat(files.get("stops.txt")).allSatisfy(s -> assertThat(
                sofia.contains(Double.parseDouble(s.get("stop_lat")), Double.parseDouble(s.get("stop_lon")))).isTrue());
        assertThat(files.get("stops.txt")).anySatisfy(s -> assertThat(s.get("stop_name")).contains(",", "\""));
    }

    @Test
    void calendarCoversTheWeekBeforeAndTwoMonthsAfterTheStartDate() {
        List<String> dates = files.get("calendar_dates.txt").stream().map(r -> r.get("date")).sorted().toList();
        DateTimeFormatter basic = DateTimeFormatter.BASIC_ISO_DATE;
        assertThat(dates.get(0)).isEqualTo(basic.format(LocalDate.of(2026, 3, 24)));
        assertThat(dates.get(dates.size() - 1)).isEqualTo(basic.format(LocalDate.of(2026, 5, 30)));
    }

    @Test
    void fullSizeHasSofiasScale() {
        TransitNetwork full = NetworkGenerator.generate(CityProfile.sofia(), 42, NetworkSize.FULL,
                LocalDate.of(2026, 3, 30), LocalDate.of(2026, 4, 5));
        assertThat(full.routes()).hasSize(140);
        assertThat(full.activeTrips(LocalDate.of(2026, 3, 31)).size()).isBetween(27_000, 34_000);
        CitySimulation city = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.FULL,
                SimulationClock.manual(TUESDAY_8AM));
        int rush = city.groundTruth().vehiclesInService(TUESDAY_8AM);
        int night = city.groundTruth().vehiclesInService(Instant.parse("2026-03-31T23:30:00Z"));
        System.out.printf("full Sofia: %d trips on a weekday, %d vehicles at 08:00, %d at 02:30%n",
                full.activeTrips(LocalDate.of(2026, 3, 31)).size(), rush, night);
        assertThat(rush).isBetween(500, 700);
        assertThat(night).isBetween(60, 200);
    }
}
