package io.civicpulse.ingest.gtfs;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a GTFS static zip into a {@link ScheduleIndex}, streaming each file row by row. Rows that cannot be used
 * (a trip of an unknown route, a stop time of an unknown stop, an unreadable time) are skipped and reported as
 * {@link Problem}s, so one bad row does not cost the city its schedule; only a feed missing what a schedule
 * needs ({@code stops.txt}, {@code routes.txt}, {@code trips.txt}, {@code stop_times.txt}, and a calendar) fails as
 * a whole. Handles what real feeds do: {@code calendar_dates.txt} without {@code calendar.txt} (Sofia), times past
 * 24:00:00, single-digit hours, stop_times in any order, empty times between timepoints (interpolated), and
 * files inside a folder of the zip.
 */
public final class GtfsReader {

    /** Problems kept per load with their row; beyond this they are only counted, to bound memory on a bad feed. */
    static final int MAX_PROBLEMS = 1000;
    private static final DateTimeFormatter GTFS_DATE = DateTimeFormatter.BASIC_ISO_DATE;

    /** One row that was skipped, and why. */
    public record Problem(String file, long line, String reason, String message, String row) {
    }

    /**
     * What one zip may cost, checked while it is streamed: its files are read only up to {@code maxInflatedBytes}
     * in all (a 64 MB zip can inflate to tens of GB), each file up to {@code maxRows} rows, and no field may be
     * longer than {@code maxFieldChars} (a quote that never closes would otherwise be read into one string).
     */
    public record Limits(long maxInflatedBytes, long maxRows, int maxFieldChars) {
        /** Several times what the largest city feeds inflate to (about 1 GB, 15 M stop times). */
        public static final Limits DEFAULT = new Limits(4L * 1024 * 1024 * 1024, 50_000_000L, 64 * 1024);
    }

    /** The schedule, with the rows that did not make it. */
    public record Result(ScheduleIndex schedule, List<Problem> problems, int problemCount) {
    }

    private final List<Problem> problems = new ArrayList<>();
    private int problemCount;
    private final Limits limits;
    /** Bytes inflated so far, over every file of the zip. */
    private long inflated;

    private GtfsReader(Limits limits) {
        this.limits = limits;
    }

    public static Result read(Path zip, String feedVersion) throws GtfsException {
        return read(zip, feedVersion, Limits.DEFAULT);
    }

    public static Result read(Path zip, String feedVersion, Limits limits) throws GtfsException {
        GtfsReader reader = new GtfsReader(limits);
        try (ZipFile file = new ZipFile(zip.toFile())) {
            ScheduleIndex schedule = reader.read(file, feedVersion);
            return new Result(schedule, List.copyOf(reader.problems), reader.problemCount);
        } catch (CsvReader.TooLarge e) {
            throw new GtfsException("gtfs.too-large", "the static feed is refused: " + e.getMessage(), e);
        } catch (ZipException e) {
            throw new GtfsException("gtfs.invalid-zip", "the static feed is not a readable zip: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GtfsException("gtfs.unreadable", "reading the static feed failed: " + e.getMessage(), e);
        }
    }

    private ScheduleIndex read(ZipFile zip, String feedVersion) throws IOException, GtfsException {
        // routes
        IdTable routes = new IdTable();
        List<ScheduleIndex.RouteInfo> routeInfo = new ArrayList<>();
        try (CsvReader csv = open(zip, "routes.txt", true)) {
            int id = required(csv, "routes.txt", "route_id");
            int agency = csv.column("agency_id");
            int shortName = csv.column("route_short_name");
            int longName = csv.column("route_long_name");
            int type = required(csv, "routes.txt", "route_type");
            while (csv.next()) {
                String routeId = csv.get(id);
                Integer routeType = parseInt(csv.get(type));
                if (routeId.isEmpty() || routes.contains(routeId) || routeType == null) {
                    problem(csv, "routes.txt", "gtfs.invalid-row", routeId.isEmpty() ? "empty route_id"
                            : routeType == null ? "route_type '" + csv.get(type) + "' is not a number"
                            : "duplicate route_id " + routeId);
                    continue;
                }
                routes.add(routeId);
                routeInfo.add(new ScheduleIndex.RouteInfo(routeId, emptyToNull(csv.get(agency)),
                        emptyToNull(csv.get(shortName)), emptyToNull(csv.get(longName)), routeType));
            }
        }

        // stops
        IdTable stops = new IdTable();
        List<ScheduleIndex.StopInfo> stopInfo = new ArrayList<>();
        try (CsvReader csv = open(zip, "stops.txt", true)) {
            int id = required(csv, "stops.txt", "stop_id");
            int name = csv.column("stop_name");
            int lat = csv.column("stop_lat");
            int lon = csv.column("stop_lon");
            int locationType = csv.column("location_type");
            int parent = csv.column("parent_station");
            while (csv.next()) {
                String stopId = csv.get(id);
                Double latitude = parseDouble(csv.get(lat));
                Double longitude = parseDouble(csv.get(lon));
                Integer type = csv.get(locationType).isEmpty() ? Integer.valueOf(0) : parseInt(csv.get(locationType));
                if (stopId.isEmpty() || stops.contains(stopId)) {
                    problem(csv, "stops.txt", "gtfs.invalid-row",
                            stopId.isEmpty() ? "empty stop_id" : "duplicate stop_id " + stopId);
                    continue;
                }
                if (latitude == null || longitude == null || Math.abs(latitude) > 90 || Math.abs(longitude) > 180
                        || type == null) {
                    problem(csv, "stops.txt", "gtfs.invalid-coordinates", "stop " + stopId
                            + " has no valid stop_lat/stop_lon/location_type");
                    continue;
                }
                stops.add(stopId);
                stopInfo.add(new ScheduleIndex.StopInfo(stopId, emptyToNull(csv.get(name)), latitude, longitude,
                        emptyToNull(csv.get(parent)), type));
            }
        }

        // trips
        IdTable trips = new IdTable();
        IdTable services = new IdTable();
        IntList tripRoute = new IntList(4096);
        IntList tripService = new IntList(4096);
        IntList tripDirection = new IntList(4096);
        List<String> tripHeadsign = new ArrayList<>();
        List<String> tripBlock = new ArrayList<>();
        Map<String, String> strings = new HashMap<>();
        try (CsvReader csv = open(zip, "trips.txt", true)) {
            int route = required(csv, "trips.txt", "route_id");
            int service = required(csv, "trips.txt", "service_id");
            int id = required(csv, "trips.txt", "trip_id");
            int headsign = csv.column("trip_headsign");
            int direction = csv.column("direction_id");
            int block = csv.column("block_id");
            while (csv.next()) {
                String tripId = csv.get(id);
                int routeIndex = routes.indexOf(csv.get(route));
                if (tripId.isEmpty() || trips.contains(tripId)) {
                    problem(csv, "trips.txt", "gtfs.invalid-row",
                            tripId.isEmpty() ? "empty trip_id" : "duplicate trip_id " + tripId);
                    continue;
                }
                if (routeIndex < 0) {
                    problem(csv, "trips.txt", "gtfs.unknown-route", "trip " + tripId + " has route_id '"
                            + csv.get(route) + "', which routes.txt does not define");
                    continue;
                }
                trips.add(tripId);
                tripRoute.add(routeIndex);
                tripService.add(services.add(csv.get(service)));
                Integer dir = parseInt(csv.get(direction));
                tripDirection.add(dir == null || dir < 0 || dir > 1 ? -1 : dir);
                tripHeadsign.add(intern(strings, emptyToNull(csv.get(headsign))));
                tripBlock.add(intern(strings, emptyToNull(csv.get(block))));
            }
        }

        int[][] serviceDays = readCalendars(zip, services);
        StopTimes stopTimes = readStopTimes(zip, trips, stops);
        Map<Integer, List<ScheduleIndex.Frequency>> frequencies = readFrequencies(zip, trips);

        byte[] directions = new byte[tripDirection.size()];
        for (int i = 0; i < directions.length; i++) {
            directions[i] = (byte) tripDirection.get(i);
        }
        return new ScheduleIndex(feedVersion, routes, List.copyOf(routeInfo), stops, List.copyOf(stopInfo), trips,
                tripRoute.toArray(), tripService.toArray(), directions, tripHeadsign.toArray(String[]::new),
                tripBlock.toArray(String[]::new), stopTimes.offsets, stopTimes.stop, stopTimes.sequence,
                stopTimes.arrival, stopTimes.departure, services, serviceDays, frequencies);
    }

    private int[][] readCalendars(ZipFile zip, IdTable services) throws IOException, GtfsException {
        boolean hasCalendar = entry(zip, "calendar.txt") != null;
        boolean hasDates = entry(zip, "calendar_dates.txt") != null;
        if (!hasCalendar && !hasDates) {
            throw new GtfsException("gtfs.missing-file",
                    "the static feed has neither calendar.txt nor calendar_dates.txt: no trip would ever run", null);
        }
        Map<Integer, TreeSet<Integer>> days = new HashMap<>();
        if (hasCalendar) {
            try (CsvReader csv = open(zip, "calendar.txt", true)) {
                int service = required(csv, "calendar.txt", "service_id");
                int start = required(csv, "calendar.txt", "start_date");
                int end = required(csv, "calendar.txt", "end_date");
                int[] weekday = new int[7];
                for (DayOfWeek d : DayOfWeek.values()) {
                    weekday[d.ordinal()] = required(csv, "calendar.txt",
                            d.name().toLowerCase(java.util.Locale.ROOT));
                }
                while (csv.next()) {
                    LocalDate from = parseDate(csv.get(start));
                    LocalDate to = parseDate(csv.get(end));
                    if (from == null || to == null || to.isBefore(from) || from.plusYears(5).isBefore(to)) {
                        problem(csv, "calendar.txt", "gtfs.invalid-row", "start_date/end_date must be YYYYMMDD "
                                + "with start <= end, at most 5 years apart");
                        continue;
                    }
                    TreeSet<Integer> set = days.computeIfAbsent(services.add(csv.get(service)), s -> new TreeSet<>());
                    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                        if ("1".equals(csv.get(weekday[d.getDayOfWeek().ordinal()]))) {
                            set.add((int) d.toEpochDay());
                        }
                    }
                }
            }
        }
        if (hasDates) {
            try (CsvReader csv = open(zip, "calendar_dates.txt", true)) {
                int service = required(csv, "calendar_dates.txt", "service_id");
                int date = required(csv, "calendar_dates.txt", "date");
                int type = required(csv, "calendar_dates.txt", "exception_type");
                while (csv.next()) {
                    LocalDate day = parseDate(csv.get(date));
                    String exception = csv.get(type);
                    if (day == null || !(exception.equals("1") || exception.equals("2"))) {
                        problem(csv, "calendar_dates.txt", "gtfs.invalid-row",
                                "date must be YYYYMMDD and exception_type 1 or 2");
                        continue;
                    }
                    TreeSet<Integer> set = days.computeIfAbsent(services.add(csv.get(service)), s -> new TreeSet<>());
                    if (exception.equals("1")) {
                        set.add((int) day.toEpochDay());
                    } else {
                        set.remove((int) day.toEpochDay());
                    }
                }
            }
        }
        int[][] result = new int[services.size()][];
        for (int s = 0; s < result.length; s++) {
            TreeSet<Integer> set = days.get(s);
            result[s] = set == null ? new int[0] : set.stream().mapToInt(Integer::intValue).toArray();
        }
        return result;
    }

    /** stop_times grouped by trip and ordered by stop_sequence. */
    private record StopTimes(int[] offsets, int[] stop, int[] sequence, int[] arrival, int[] departure) {
    }

    private StopTimes readStopTimes(ZipFile zip, IdTable trips, IdTable stops) throws IOException, GtfsException {
        IntList rowTrip = new IntList(1 << 16);
        IntList rowStop = new IntList(1 << 16);
        IntList rowSequence = new IntList(1 << 16);
        IntList rowArrival = new IntList(1 << 16);
        IntList rowDeparture = new IntList(1 << 16);
        try (CsvReader csv = open(zip, "stop_times.txt", true)) {
            int trip = required(csv, "stop_times.txt", "trip_id");
            int arrival = required(csv, "stop_times.txt", "arrival_time");
            int departure = required(csv, "stop_times.txt", "departure_time");
            int stop = required(csv, "stop_times.txt", "stop_id");
            int sequence = required(csv, "stop_times.txt", "stop_sequence");
            while (csv.next()) {
                int tripIndex = trips.indexOf(csv.get(trip));
                int stopIndex = stops.indexOf(csv.get(stop));
                Integer seq = parseInt(csv.get(sequence));
                int arr = parseTime(csv.get(arrival));
                int dep = parseTime(csv.get(departure));
                if (tripIndex < 0) {
                    problem(csv, "stop_times.txt", "gtfs.unknown-trip", "stop time of trip '" + csv.get(trip)
                            + "', which trips.txt does not define");
                } else if (stopIndex < 0) {
                    problem(csv, "stop_times.txt", "gtfs.unknown-stop", "stop time of stop '" + csv.get(stop)
                            + "', which stops.txt does not define");
                } else if (seq == null || seq < 0 || arr == INVALID || dep == INVALID) {
                    problem(csv, "stop_times.txt", "gtfs.invalid-row",
                            "stop_sequence must be a non-negative integer and times H:MM:SS");
                } else {
                    rowTrip.add(tripIndex);
                    rowStop.add(stopIndex);
                    rowSequence.add(seq);
                    rowArrival.add(arr);
                    rowDeparture.add(dep);
                }
            }
        }
        // Counting sort by trip, then by stop_sequence within each trip: linear in the row count, no boxing, and
        // indifferent to the order the feed lists its rows in.
        int rows = rowTrip.size();
        int[] offsets = new int[trips.size() + 1];
        for (int r = 0; r < rows; r++) {
            offsets[rowTrip.get(r) + 1]++;
        }
        for (int t = 0; t < trips.size(); t++) {
            offsets[t + 1] += offsets[t];
        }
        int[] fill = Arrays.copyOf(offsets, trips.size());
        int[] order = new int[rows];
        for (int r = 0; r < rows; r++) {
            order[fill[rowTrip.get(r)]++] = r;
        }
        int[] stop = new int[rows];
        int[] sequence = new int[rows];
        int[] arrival = new int[rows];
        int[] departure = new int[rows];
        long[] keys = new long[16];
        for (int t = 0; t < trips.size(); t++) {
            int from = offsets[t];
            int n = offsets[t + 1] - from;
            if (keys.length < n) {
                keys = new long[Math.max(n, keys.length * 2)];
            }
            for (int i = 0; i < n; i++) {
                int r = order[from + i];
                keys[i] = ((long) rowSequence.get(r) << 32) | r;
            }
            Arrays.sort(keys, 0, n);
            for (int i = 0; i < n; i++) {
                int r = (int) keys[i];
                stop[from + i] = rowStop.get(r);
                sequence[from + i] = rowSequence.get(r);
                arrival[from + i] = rowArrival.get(r);
                departure[from + i] = rowDeparture.get(r);
            }
            completeTimes(arrival, departure, from, from + n);
        }
        return new StopTimes(offsets, stop, sequence, arrival, departure);
    }

    /**
     * Fills a trip's empty times: a stop time with only one of arrival/departure gets it for both; one with neither
     * is interpolated linearly by position between the surrounding timepoints (GTFS allows empty times between
     * timepoints; without shape distances, position is the best proxy).
     */
    private static void completeTimes(int[] arrival, int[] departure, int from, int to) {
        for (int i = from; i < to; i++) {
            if (arrival[i] == ScheduleIndex.NO_TIME) {
                arrival[i] = departure[i];
            } else if (departure[i] == ScheduleIndex.NO_TIME) {
                departure[i] = arrival[i];
            }
        }
        int previous = -1;
        for (int i = from; i < to; i++) {
            if (departure[i] == ScheduleIndex.NO_TIME) {
                continue;
            }
            if (previous < 0) {
                // GTFS requires the first stop to be a timepoint; where it is not, the first known time stands in.
                for (int k = from; k < i; k++) {
                    arrival[k] = arrival[i];
                    departure[k] = arrival[i];
                }
            }
            if (previous >= 0 && i - previous > 1) {
                int start = departure[previous];
                int span = arrival[i] - start;
                for (int k = previous + 1; k < i; k++) {
                    int t = start + (int) ((long) span * (k - previous) / (i - previous));
                    arrival[k] = t;
                    departure[k] = t;
                }
            }
            previous = i;
        }
        for (int k = previous + 1; previous >= 0 && k < to; k++) {
            arrival[k] = departure[previous];
            departure[k] = departure[previous];
        }
    }

    private Map<Integer, List<ScheduleIndex.Frequency>> readFrequencies(ZipFile zip, IdTable trips)
            throws IOException, GtfsException {
        Map<Integer, List<ScheduleIndex.Frequency>> frequencies = new HashMap<>();
        if (entry(zip, "frequencies.txt") == null) {
            return frequencies;
        }
        try (CsvReader csv = open(zip, "frequencies.txt", true)) {
            int trip = required(csv, "frequencies.txt", "trip_id");
            int start = required(csv, "frequencies.txt", "start_time");
            int end = required(csv, "frequencies.txt", "end_time");
            int headway = required(csv, "frequencies.txt", "headway_secs");
            int exact = csv.column("exact_times");
            while (csv.next()) {
                int tripIndex = trips.indexOf(csv.get(trip));
                int from = parseTime(csv.get(start));
                int to = parseTime(csv.get(end));
                Integer secs = parseInt(csv.get(headway));
                if (tripIndex < 0) {
                    problem(csv, "frequencies.txt", "gtfs.unknown-trip", "frequency of unknown trip '"
                            + csv.get(trip) + "'");
                } else if (from < 0 || to < 0 || secs == null || secs <= 0 || to < from) {
                    problem(csv, "frequencies.txt", "gtfs.invalid-row",
                            "start_time/end_time must be H:MM:SS with start <= end and headway_secs positive");
                } else {
                    frequencies.computeIfAbsent(tripIndex, t -> new ArrayList<>())
                            .add(new ScheduleIndex.Frequency(from, to, secs, "1".equals(csv.get(exact))));
                }
            }
        }
        frequencies.replaceAll((t, list) -> List.copyOf(list));
        return frequencies;
    }

    private static final int INVALID = -2;

    /** Seconds of an H:MM:SS time (hours may exceed 23); {@link ScheduleIndex#NO_TIME} when empty, INVALID when bad. */
    static int parseTime(String text) {
        if (text.isEmpty()) {
            return ScheduleIndex.NO_TIME;
        }
        int first = text.indexOf(':');
        int second = first < 0 ? -1 : text.indexOf(':', first + 1);
        if (first < 1 || second != first + 3 || text.length() != second + 3) {
            return INVALID;
        }
        int h = digits(text, 0, first);
        int m = digits(text, first + 1, second);
        int s = digits(text, second + 1, text.length());
        if (h < 0 || m < 0 || m > 59 || s < 0 || s > 59 || h > 200) {
            return INVALID;
        }
        return h * 3600 + m * 60 + s;
    }

    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private CsvReader open(ZipFile zip, String name, boolean required) throws IOException, GtfsException {
        ZipEntry entry = entry(zip, name);
        if (entry == null) {
            if (required) {
                throw new GtfsException("gtfs.missing-file", "the static feed has no " + name, null);
            }
            return null;
        }
        InputStream in = new FilterInputStream(zip.getInputStream(entry)) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                count(b < 0 ? 0 : 1);
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                count(Math.max(n, 0));
                return n;
            }

            private void count(int n) throws CsvReader.TooLarge {
                // The sizes a zip declares can lie; only what actually inflates counts.
                inflated += n;
                if (inflated > limits.maxInflatedBytes()) {
                    throw new CsvReader.TooLarge("its files inflate to more than " + limits.maxInflatedBytes()
                            + " bytes (at " + name + ")");
                }
            }
        };
        return new CsvReader(in, name, limits.maxRows(), limits.maxFieldChars());
    }

    /** The entry by name, at the root of the zip or in one folder (some agencies zip the folder, not its files). */
    private static ZipEntry entry(ZipFile zip, String name) {
        ZipEntry entry = zip.getEntry(name);
        if (entry != null) {
            return entry;
        }
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            ZipEntry candidate = e.nextElement();
            String path = candidate.getName();
            if (path.endsWith("/" + name) && path.indexOf('/') == path.length() - name.length() - 1) {
                return candidate;
            }
        }
        return null;
    }

    private static int required(CsvReader csv, String file, String column) throws GtfsException {
        int index = csv.column(column);
        if (index < 0) {
            throw new GtfsException("gtfs.missing-column", file + " has no column " + column, null);
        }
        return index;
    }

    private void problem(CsvReader csv, String file, String reason, String message) {
        problemCount++;
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(new Problem(file, csv.lineNumber(), reason, message, csv.rawRow()));
        }
    }

    private static LocalDate parseDate(String text) {
        try {
            return LocalDate.parse(text, GTFS_DATE);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Integer parseInt(String text) {
        try {
            return text.isEmpty() ? null : Integer.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Double parseDouble(String text) {
        try {
            return text.isEmpty() ? null : Double.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String emptyToNull(String text) {
        return text.isEmpty() ? null : text;
    }

    private static String intern(Map<String, String> strings, String value) {
        return value == null ? null : strings.computeIfAbsent(value, v -> v);
    }
}
