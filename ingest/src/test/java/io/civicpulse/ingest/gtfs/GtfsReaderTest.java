package io.civicpulse.ingest.gtfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GtfsReaderTest {

    private static final Path SAMPLE = Path.of("../../shared/samples/gtfs-static/google-transitfeed-good_feed.zip");

    @TempDir
    Path dir;

    private ScheduleIndex read(GtfsZip zip) throws GtfsException {
        return GtfsReader.read(zip.writeTo(dir.resolve("feed.zip")), "v1").schedule();
    }

    @Test
    void serviceDatesComeFromCalendarDatesAloneWhenThereIsNoCalendar() throws GtfsException {
        ScheduleIndex schedule = read(GtfsZip.sofiaLike());

        assertThat(schedule.serviceDates("WD")).containsExactly(LocalDate.of(2025, 6, 10), LocalDate.of(2025, 6, 11));
        assertThat(schedule.runsOn(schedule.tripIndex("A94-1"), LocalDate.of(2025, 6, 10))).isTrue();
        assertThat(schedule.runsOn(schedule.tripIndex("A94-1"), LocalDate.of(2025, 6, 12))).isFalse();
        assertThat(schedule.activeTripIds(LocalDate.of(2025, 6, 11)))
                .containsExactlyInAnyOrder("A94-1", "TM5-LOOP", "A94-N");
    }

    @Test
    void calendarWeekdaysAreExpandedAndCalendarDatesAddAndRemoveDays() throws GtfsException {
        ScheduleIndex schedule = read(GtfsZip.sofiaLike()
                .file("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                        + "start_date,end_date\nWD,1,1,1,1,1,0,0,20250602,20250615\n")
                .file("calendar_dates.txt", "service_id,date,exception_type\nWD,20250610,2\nWD,20250614,1\n"));

        assertThat(schedule.serviceDates("WD")).containsExactly(
                LocalDate.of(2025, 6, 2), LocalDate.of(2025, 6, 3), LocalDate.of(2025, 6, 4),
                LocalDate.of(2025, 6, 5), LocalDate.of(2025, 6, 6), LocalDate.of(2025, 6, 9),
                LocalDate.of(2025, 6, 11), LocalDate.of(2025, 6, 12), LocalDate.of(2025, 6, 13),
                LocalDate.of(2025, 6, 14));
    }

    @Test
    void timesPastMidnightKeepCountingFromTheServiceDay() throws GtfsException {
        ScheduleIndex schedule = read(GtfsZip.sofiaLike());
        int night = schedule.tripIndex("A94-N");

        assertThat(schedule.arrival(night, 0)).isEqualTo(24 * 3600 + 20 * 60);
        assertThat(schedule.departure(night, 1)).isEqualTo(24 * 3600 + 40 * 60);
    }

    @Test
    void stopTimesAreOrderedByStopSequenceWhateverTheFileOrder() throws GtfsException {
        ScheduleIndex schedule = read(GtfsZip.sofiaLike().file("stop_times.txt",
                "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        + "A94-1,08:20:00,08:20:00,A0003,30\n"
                        + "TM5-LOOP,09:00:00,09:00:00,TM0300,1\n"
                        + "A94-1,8:00:00,8:00:00,A0001,10\n"
                        + "A94-1,08:10:00,08:10:30,A0002,20\n"));
        int trip = schedule.tripIndex("A94-1");

        assertThat(schedule.stopTimeCount(trip)).isEqualTo(3);
        assertThat(new String[] {schedule.stopId(trip, 0), schedule.stopId(trip, 1), schedule.stopId(trip, 2)})
                .containsExactly("A0001", "A0002", "A0003");
        assertThat(schedule.arrival(trip, 0)).isEqualTo(8 * 3600);
        assertThat(schedule.positionOfSequence(trip, 20)).isEqualTo(1);
    }

    @Test
    void emptyTimesBetweenTimepointsAreInterpolated() throws GtfsException {
        ScheduleIndex schedule = read(GtfsZip.sofiaLike().file("stop_times.txt",
                "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        + "A94-1,08:00:00,08:00:00,A0001,1\n"
                        + "A94-1,,,A0002,2\n"
                        + "A94-1,08:20:00,08:20:00,A0003,3\n"));
        int trip = schedule.tripIndex("A94-1");

        assertThat(schedule.arrival(trip, 1)).isEqualTo(8 * 3600 + 600);
        assertThat(schedule.departure(trip, 1)).isEqualTo(8 * 3600 + 600);
    }

    @Test
    void aLoopRouteVisitsItsTerminalTwice() throws GtfsException {
        ScheduleIndex schedule = read(GtfsZip.sofiaLike());

        assertThat(schedule.visits(schedule.tripIndex("TM5-LOOP"), "TM0300")).containsExactly(0, 3);
    }

    @Test
    void frequencyTripsAreMarkedWithTheirHeadways() throws GtfsException {
        ScheduleIndex schedule = read(GtfsZip.sofiaLike().file("frequencies.txt",
                "trip_id,start_time,end_time,headway_secs,exact_times\nTM5-LOOP,06:00:00,22:00:00,600,1\n"));
        int loop = schedule.tripIndex("TM5-LOOP");

        assertThat(schedule.frequencyBased(loop)).isTrue();
        assertThat(schedule.frequencies(loop)).containsExactly(
                new ScheduleIndex.Frequency(6 * 3600, 22 * 3600, 600, true));
        assertThat(schedule.frequencyBased(schedule.tripIndex("A94-1"))).isFalse();
    }

    @Test
    void badRowsAreReportedWithTheirLineAndTheRestOfTheFeedLoads() throws GtfsException {
        GtfsReader.Result result = GtfsReader.read(GtfsZip.sofiaLike().file("stop_times.txt",
                "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        + "A94-1,08:00:00,08:00:00,A0001,1\n"
                        + "A94-1,08:10:00,08:10:00,NOPE,2\n"
                        + "A94-1,8h20,08:20:00,A0003,3\n"
                        + "GHOST,08:20:00,08:20:00,A0003,3\n")
                .writeTo(dir.resolve("bad.zip")), "v1");

        assertThat(result.problems()).extracting(GtfsReader.Problem::reason, GtfsReader.Problem::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("gtfs.unknown-stop", 3L),
                        org.assertj.core.groups.Tuple.tuple("gtfs.invalid-row", 4L),
                        org.assertj.core.groups.Tuple.tuple("gtfs.unknown-trip", 5L));
        assertThat(result.problems().get(0).row()).isEqualTo("A94-1,08:10:00,08:10:00,NOPE,2");
        assertThat(result.schedule().stopTimeCount(result.schedule().tripIndex("A94-1"))).isEqualTo(1);
    }

    @Test
    void aFeedWithoutAnyCalendarIsRejectedAsAWhole() {
        assertThatThrownBy(() -> read(GtfsZip.sofiaLike().without("calendar_dates.txt")))
                .isInstanceOfSatisfying(GtfsException.class,
                        e -> assertThat(e.reason()).isEqualTo("gtfs.missing-file"));
    }

    @Test
    void bytesThatAreNotAZipAreRejectedAsAWhole() throws IOException {
        Path notZip = Files.writeString(dir.resolve("feed.zip"), "<html>maintenance</html>");

        assertThatThrownBy(() -> GtfsReader.read(notZip, "v1"))
                .isInstanceOfSatisfying(GtfsException.class, e -> assertThat(e.reason()).isEqualTo("gtfs.invalid-zip"));
    }

    @Test
    void aSofiaSizedFeedLoadsWithEveryTripAndStopTime() throws IOException, GtfsException {
        // 140 routes x 215 trips x 33 stops: about Sofia's 30,000 trips and a million stop times.
        Path zip = GtfsZip.synthetic(dir.resolve("sofia-sized.zip"), 140, 215, 33, 3000);

        GtfsReader.Result result = GtfsReader.read(zip, "big");
        ScheduleIndex schedule = result.schedule();

        assertThat(result.problemCount()).isZero();
        assertThat(schedule.routeCount()).isEqualTo(140);
        assertThat(schedule.stopCount()).isEqualTo(3000);
        assertThat(schedule.tripCount()).isEqualTo(140 * 215);
        assertThat(schedule.stopTimeCount()).isEqualTo(140 * 215 * 33);
        int trip = schedule.tripIndex("A139-214");
        assertThat(schedule.stopTimeCount(trip)).isEqualTo(33);
        assertThat(schedule.departure(trip, 32) - schedule.departure(trip, 0)).isEqualTo(32 * 120);
        // 2025-06-01 is service WE's day (1 % 7 < 5 is WD): every fourth trip is WE.
        assertThat(schedule.activeTripIds(LocalDate.of(2025, 6, 1))).hasSize(140 * 215 - 140 * 54);
    }

    @Test
    void thePublicSampleFeedReadsWithItsCalendarsAndFrequencies() throws GtfsException {
        assumeTrue(Files.exists(SAMPLE), "public samples not available");

        ScheduleIndex schedule = GtfsReader.read(SAMPLE, "sample").schedule();

        assertThat(schedule.routeCount()).isEqualTo(5);
        assertThat(schedule.tripCount()).isEqualTo(11);
        assertThat(schedule.stop("BEATTY_AIRPORT").parentStation()).isEqualTo("BEATTY_AIRPORT_STATION");
        assertThat(schedule.stop("FUR_CREEK_RES").latitude()).isEqualTo(36.425288);
        assertThat(schedule.frequencyBased(schedule.tripIndex("STBA"))).isTrue();
        int stba = schedule.tripIndex("STBA");
        assertThat(schedule.arrival(stba, 1)).isEqualTo(6 * 3600 + 20 * 60);
        // FULLW runs every day 2007-2025 except 2007-06-04 (calendar_dates removal).
        assertThat(schedule.runsOn(stba, LocalDate.of(2007, 6, 4))).isFalse();
        assertThat(schedule.runsOn(stba, LocalDate.of(2007, 6, 5))).isTrue();
    }

    private static final GtfsReader.Limits SMALL = new GtfsReader.Limits(1024 * 1024, 1000, 200);

    private static String repeat(String s, int times) {
        return s.repeat(times);
    }

    @Test
    void aZipBombIsRefusedOnceItInflatesPastTheCap() throws IOException {
        // 32 MB of blank lines deflate to about 32 KB; a real bomb is the same at a thousand times the scale.
        Path zip = GtfsZip.sofiaLike().file("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,"
                + "stop_sequence\n" + repeat("\n", 32 * 1024 * 1024)).writeTo(dir.resolve("bomb.zip"));
        assertThat(Files.size(zip)).isLessThan(1024 * 1024);

        assertThatThrownBy(() -> GtfsReader.read(zip, "v1", SMALL))
                .isInstanceOfSatisfying(GtfsException.class, e -> assertThat(e.reason()).isEqualTo("gtfs.too-large"));
    }

    @Test
    void aFileWithMoreRowsThanTheCapIsRefused() {
        Path zip = GtfsZip.sofiaLike().file("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                + repeat("S,x,42.6,23.3\n", 1001)).writeTo(dir.resolve("rows.zip"));

        assertThatThrownBy(() -> GtfsReader.read(zip, "v1", SMALL))
                .isInstanceOfSatisfying(GtfsException.class, e -> assertThat(e.reason()).isEqualTo("gtfs.too-large"));
    }

    @Test
    void aFieldLongerThanTheCapIsRefusedBeforeItFillsMemory() {
        // A quote that never closes swallows the rest of the file into one field.
        Path zip = GtfsZip.sofiaLike().file("routes.txt", "route_id,route_short_name,route_type\nA94,\""
                + repeat("x", 10_000) + "\n3\n").writeTo(dir.resolve("field.zip"));

        assertThatThrownBy(() -> GtfsReader.read(zip, "v1", SMALL))
                .isInstanceOfSatisfying(GtfsException.class, e -> assertThat(e.reason()).isEqualTo("gtfs.too-large"));
    }

    @Test
    void aFeedWithinTheCapsIsRead() throws GtfsException {
        assertThat(GtfsReader.read(GtfsZip.sofiaLike().writeTo(dir.resolve("ok.zip")), "v1", SMALL).schedule()
                .tripCount()).isEqualTo(3);
    }
}
