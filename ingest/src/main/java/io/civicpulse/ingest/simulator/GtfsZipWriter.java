package io.civicpulse.ingest.simulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import io.civicpulse.ingest.simulator.TransitNetwork.Frequency;
import io.civicpulse.ingest.simulator.TransitNetwork.Pattern;
import io.civicpulse.ingest.simulator.TransitNetwork.Route;
import io.civicpulse.ingest.simulator.TransitNetwork.Service;
import io.civicpulse.ingest.simulator.TransitNetwork.Stop;
import io.civicpulse.ingest.simulator.TransitNetwork.Trip;

/**
 * Writes a {@link TransitNetwork} as a GTFS static zip the way Sofia publishes it: no calendar.txt (service days
 * only in calendar_dates.txt), UTF-8 with RFC 4180 quoting, stop times in whole minutes with hours past 24 for
 * trips after midnight. Entry timestamps are fixed, so the same network always gives the same bytes (and ETag).
 */
public final class GtfsZipWriter {

    private static final DateTimeFormatter BASIC = DateTimeFormatter.BASIC_ISO_DATE;

    private GtfsZipWriter() {
    }

    /** @param feedVersion written to feed_info.txt; a new version is how a republished feed says it changed */
    public static byte[] write(TransitNetwork network, String feedVersion) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        long entryTime = network.firstDate().atStartOfDay(network.city().zone()).toInstant().toEpochMilli();
        try (ZipOutputStream zip = new ZipOutputStream(bytes, StandardCharsets.UTF_8)) {
            Writer out = new OutputStreamWriter(zip, StandardCharsets.UTF_8);
            CityProfile city = network.city();

            begin(zip, out, "agency.txt", entryTime,
                    "agency_id,agency_name,agency_url,agency_timezone,agency_lang");
            row(out, city.id(), city.agencyName(), city.agencyUrl(), city.zone().getId(), city.language());

            begin(zip, out, "routes.txt", entryTime,
                    "route_id,agency_id,route_short_name,route_long_name,route_type,route_color,route_text_color");
            for (Route r : network.routes()) {
                row(out, r.id(), city.id(), r.shortName(), r.longName(), Integer.toString(r.mode().routeType()),
                        r.mode().color().substring(1), "FFFFFF");
            }

            begin(zip, out, "stops.txt", entryTime, "stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type");
            for (Stop s : network.stops()) {
                row(out, s.id(), s.code(), s.name(), coordinate(s.lat()), coordinate(s.lon()), "0");
            }

            begin(zip, out, "trips.txt", entryTime,
                    "route_id,service_id,trip_id,trip_headsign,direction_id,block_id");
            for (Trip t : network.trips()) {
                Pattern p = network.pattern(t);
                row(out, network.route(t).id(), t.service().id(), t.id(), p.headsign(),
                        Integer.toString(p.directionId()), t.vehicleId());
            }

            begin(zip, out, "stop_times.txt", entryTime,
                    "trip_id,arrival_time,departure_time,stop_id,stop_sequence");
            StringBuilder line = new StringBuilder(96);
            List<Stop> stops = network.stops();
            for (Trip t : network.trips()) {
                Pattern p = network.pattern(t);
                for (int i = 0; i < p.size(); i++) {
                    int time = t.startSeconds() + p.offsetAt(i);
                    line.setLength(0);
                    line.append(t.id()).append(',');
                    appendTime(line, time);
                    line.append(',');
                    appendTime(line, time);
                    line.append(',').append(stops.get(p.stopAt(i)).id()).append(',').append(i + 1).append('\n');
                    out.append(line);
                }
            }

            begin(zip, out, "calendar_dates.txt", entryTime, "service_id,date,exception_type");
            for (LocalDate d = network.firstDate(); !d.isAfter(network.lastDate()); d = d.plusDays(1)) {
                Service s = network.serviceOn(d).orElseThrow();
                row(out, s.id(), BASIC.format(d), "1");
            }

            if (!network.frequencies().isEmpty()) {
                begin(zip, out, "frequencies.txt", entryTime,
                        "trip_id,start_time,end_time,headway_secs,exact_times");
                for (Frequency f : network.frequencies()) {
                    row(out, network.trips().get(f.tripOrdinal()).id(), GtfsTime.format(f.startSeconds()),
                            GtfsTime.format(f.endSeconds()), Integer.toString(f.headwaySeconds()), "0");
                }
            }

            begin(zip, out, "feed_info.txt", entryTime,
                    "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version");
            row(out, city.agencyName(), city.agencyUrl(), city.language(), BASIC.format(network.firstDate()),
                    BASIC.format(network.lastDate()), feedVersion);
            out.flush();
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException("writing a GTFS zip in memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static void begin(ZipOutputStream zip, Writer out, String name, long time, String header)
            throws IOException {
        out.flush();
        ZipEntry entry = new ZipEntry(name);
        entry.setTime(time);
        zip.putNextEntry(entry);
        out.write(header);
        out.write('\n');
    }

    private static void row(Writer out, String... values) throws IOException {
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(csv(values[i]));
        }
        out.write('\n');
    }

    static String csv(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static String coordinate(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    private static void appendTime(StringBuilder sb, int seconds) {
        int h = seconds / 3600;
        int m = seconds / 60 % 60;
        int s = seconds % 60;
        if (h < 10) {
            sb.append('0');
        }
        sb.append(h).append(':');
        if (m < 10) {
            sb.append('0');
        }
        sb.append(m).append(':');
        if (s < 10) {
            sb.append('0');
        }
        sb.append(s);
    }
}
