package io.civicpulse.ingest.gtfs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds GTFS static zips for tests, in code: a small Sofia-shaped feed (calendar_dates only, ids like Sofia's,
 * a loop route, a trip past midnight) that tests can modify file by file, and a Sofia-sized synthetic feed.
 */
public final class GtfsZip {

    private final Map<String, String> files = new LinkedHashMap<>();

    /**
     * A small network on service date 2025-06-10 (a Tuesday) and 2025-06-11:
     * <ul>
     * <li>route A94 (bus), trip {@code A94-1}: A0001 08:00, A0002 08:10, A0003 08:20;</li>
     * <li>route TM5 (tram), loop trip {@code TM5-LOOP}: TM0300 09:00, A0002 09:10, A0003 09:20, TM0300 09:30;</li>
     * <li>route A94, night trip {@code A94-N}: A0003 24:20:00, A0001 24:40:00 (00:20 and 00:40 the next morning).</li>
     * </ul>
     */
    public static GtfsZip sofiaLike() {
        return new GtfsZip()
                .file("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                        + "SU,Sofia Urban Mobility,https://www.sofiatraffic.bg,Europe/Sofia\n")
                .file("routes.txt", "route_id,agency_id,route_short_name,route_long_name,route_type\n"
                        + "A94,SU,94,Mladost - Center,3\n"
                        + "TM5,SU,5,Tram loop,0\n")
                .file("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                        + "A0001,\"Sofia University \"\"St. Kliment Ohridski\"\"\",42.6934,23.3353,,\n"
                        + "A0002,NDK,42.6853,23.3190,0,\n"
                        + "A0003,\"Lavov most, north\",42.7034,23.3240,0,\n"
                        + "TM0300,Central station,42.7119,23.3218,0,\n")
                .file("trips.txt", "route_id,service_id,trip_id,trip_headsign,direction_id,block_id\n"
                        + "A94,WD,A94-1,Center,0,B1\n"
                        + "TM5,WD,TM5-LOOP,Loop,,\n"
                        + "A94,WD,A94-N,Mladost,1,B1\n")
                .file("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\r\n"
                        + "A94-1,08:00:00,08:00:00,A0001,1\r\n"
                        + "A94-1,08:10:00,08:10:30,A0002,2\r\n"
                        + "A94-1,08:20:00,08:20:00,A0003,3\r\n"
                        + "TM5-LOOP,09:00:00,09:00:00,TM0300,1\r\n"
                        + "TM5-LOOP,09:10:00,09:10:00,A0002,2\r\n"
                        + "TM5-LOOP,09:20:00,09:20:00,A0003,3\r\n"
                        + "TM5-LOOP,09:30:00,09:30:00,TM0300,4\r\n"
                        + "A94-N,24:20:00,24:20:00,A0003,1\r\n"
                        + "A94-N,24:40:00,24:40:00,A0001,2\r\n")
                .file("calendar_dates.txt", "service_id,date,exception_type\n"
                        + "WD,20250610,1\n"
                        + "WD,20250611,1\n");
    }

    public GtfsZip file(String name, String content) {
        files.put(name, content);
        return this;
    }

    public GtfsZip without(String name) {
        files.remove(name);
        return this;
    }

    public Path writeTo(Path zip) {
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                z.putNextEntry(new ZipEntry(file.getKey()));
                z.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
            return zip;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] bytes(Path dir) {
        try {
            return Files.readAllBytes(writeTo(Files.createTempFile(dir, "gtfs", ".zip")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A Sofia-sized feed: {@code routes} routes with {@code tripsPerRoute} trips each, every trip visiting
     * {@code stopsPerTrip} of {@code stops} stops two minutes apart, on calendar_dates only.
     */
    public static Path synthetic(Path zip, int routes, int tripsPerRoute, int stopsPerTrip, int stops)
            throws IOException {
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            Writer w = new OutputStreamWriter(z, StandardCharsets.UTF_8);
            z.putNextEntry(new ZipEntry("routes.txt"));
            w.write("route_id,route_short_name,route_type\n");
            for (int r = 0; r < routes; r++) {
                w.write("R" + r + "," + r + "," + (r % 3 == 0 ? 0 : r % 3 == 1 ? 3 : 11) + "\n");
            }
            w.flush();
            z.putNextEntry(new ZipEntry("stops.txt"));
            w.write("stop_id,stop_name,stop_lat,stop_lon\n");
            for (int s = 0; s < stops; s++) {
                w.write("A" + s + ",Stop " + s + "," + (42.6 + s * 1e-5) + "," + (23.3 + s * 1e-5) + "\n");
            }
            w.flush();
            z.putNextEntry(new ZipEntry("calendar_dates.txt"));
            w.write("service_id,date,exception_type\n");
            for (int d = 1; d <= 28; d++) {
                w.write((d % 7 < 5 ? "WD" : "WE") + ",202506" + (d < 10 ? "0" : "") + d + ",1\n");
            }
            w.flush();
            z.putNextEntry(new ZipEntry("trips.txt"));
            w.write("route_id,service_id,trip_id\n");
            for (int r = 0; r < routes; r++) {
                for (int t = 0; t < tripsPerRoute; t++) {
                    w.write("R" + r + "," + (t % 4 == 0 ? "WE" : "WD") + ",A" + r + "-" + t + "\n");
                }
            }
            w.flush();
            z.putNextEntry(new ZipEntry("stop_times.txt"));
            w.write("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n");
            StringBuilder line = new StringBuilder(64);
            for (int r = 0; r < routes; r++) {
                for (int t = 0; t < tripsPerRoute; t++) {
                    int start = 4 * 3600 + (t * 300) % (20 * 3600);
                    for (int i = 0; i < stopsPerTrip; i++) {
                        String time = time(start + i * 120);
                        line.setLength(0);
                        line.append('A').append(r).append('-').append(t).append(',').append(time).append(',')
                                .append(time).append(",A").append((r * 7 + i) % stops).append(',').append(i + 1)
                                .append('\n');
                        w.write(line.toString());
                    }
                }
            }
            w.flush();
            z.closeEntry();
        }
        return zip;
    }

    private static String time(int seconds) {
        return String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
