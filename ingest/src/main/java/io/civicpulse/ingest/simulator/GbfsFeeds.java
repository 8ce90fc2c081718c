package io.civicpulse.ingest.simulator;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.civicpulse.ingest.simulator.BikeShare.Snapshot;
import io.civicpulse.ingest.simulator.BikeShare.Station;
import io.civicpulse.ingest.simulator.BikeShare.StationStatus;
import io.civicpulse.ingest.simulator.BikeShare.Vehicle;

/**
 * Renders a {@link BikeShare} as GBFS v2.3 and v3.0 documents, each with the fields its version requires:
 * v2.3 with POSIX timestamps, plain-string names, {@code num_bikes_available} and {@code free_bike_status.bikes};
 * v3.0 with RFC 3339 timestamps, localized names, {@code num_vehicles_available} and
 * {@code vehicle_status.vehicles}. Discovery ({@code gbfs.json}) lists absolute URLs under the base URL given.
 */
final class GbfsFeeds {

    static final List<String> V2_FILES = List.of("gbfs", "gbfs_versions", "system_information", "vehicle_types",
            "station_information", "station_status", "free_bike_status");
    static final List<String> V3_FILES = List.of("gbfs", "gbfs_versions", "system_information", "vehicle_types",
            "station_information", "station_status", "vehicle_status");

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final CityProfile city;
    private final BikeShare bikes;
    private final ZoneId zone;

    GbfsFeeds(CityProfile city, BikeShare bikes) {
        this.city = city;
        this.bikes = bikes;
        this.zone = city.zone();
    }

    /**
     * @param version  2 or 3
     * @param file     a file name without {@code .json}
     * @param baseUrl  the URL under which this city's GBFS versions live, e.g. {@code http://127.0.0.1:8090/sofia/gbfs}
     */
    Optional<byte[]> document(int version, String file, Instant at, String baseUrl) {
        if (version != 2 && version != 3 || !(version == 2 ? V2_FILES : V3_FILES).contains(file)) {
            return Optional.empty();
        }
        Snapshot snapshot = file.endsWith("status") ? bikes.snapshot(at) : null;
        ObjectNode root = JSON.createObjectNode();
        boolean v3 = version == 3;
        Instant updated = snapshot != null ? snapshot.at() : at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (v3) {
            root.put("last_updated", rfc3339(updated.getEpochSecond()));
        } else {
            root.put("last_updated", updated.getEpochSecond());
        }
        root.put("ttl", snapshot != null ? 60 : 3600);
        root.put("version", v3 ? "3.0" : "2.3");
        ObjectNode data = root.putObject("data");
        switch (file) {
            case "gbfs" -> {
                ArrayNode feeds = v3 ? data.putArray("feeds") : data.putObject("en").putArray("feeds");
                for (String f : v3 ? V3_FILES : V2_FILES) {
                    if (!f.equals("gbfs")) {
                        feeds.addObject().put("name", f).put("url", baseUrl + "/v" + version + "/" + f + ".json");
                    }
                }
            }
            case "gbfs_versions" -> {
                ArrayNode versions = data.putArray("versions");
                versions.addObject().put("version", "2.3").put("url", baseUrl + "/v2/gbfs.json");
                versions.addObject().put("version", "3.0").put("url", baseUrl + "/v3/gbfs.json");
            }
            case "system_information" -> systemInformation(data, v3);
            case "vehicle_types" -> vehicleTypes(data, v3);
            case "station_information" -> stationInformation(data, v3);
            case "station_status" -> stationStatus(data, v3, snapshot);
            default -> vehicles(data, v3, snapshot);
        }
        try {
            return Optional.of(JSON.writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a GBFS tree built in memory could not be written", e);
        }
    }

    private void systemInformation(ObjectNode data, boolean v3) {
        data.put("system_id", city.id() + "-bike-share");
        if (v3) {
            data.putArray("languages").add(city.language()).add("en");
            localized(data.putArray("name"), city.bikeShareName());
            localized(data.putArray("operator"), city.name() + " Municipality");
            data.put("opening_hours", "24/7");
            data.put("feed_contact_email", "opendata@" + city.id() + ".example");
        } else {
            data.put("language", city.language());
            data.put("name", city.bikeShareName());
            data.put("operator", city.name() + " Municipality");
            data.put("feed_contact_email", "opendata@" + city.id() + ".example");
        }
        data.put("timezone", zone.getId());
    }

    private void vehicleTypes(ObjectNode data, boolean v3) {
        ArrayNode types = data.putArray("vehicle_types");
        ObjectNode bike = types.addObject().put("vehicle_type_id", BikeShare.BIKE_TYPE).put("form_factor", "bicycle")
                .put("propulsion_type", "human");
        ObjectNode scooter = types.addObject().put("vehicle_type_id", BikeShare.SCOOTER_TYPE)
                .put("form_factor", "scooter_standing").put("propulsion_type", "electric")
                .put("max_range_meters", BikeShare.SCOOTER_MAX_RANGE);
        if (v3) {
            localized(bike.putArray("name"), "Bike");
            localized(scooter.putArray("name"), "E-scooter");
            bike.put("wheel_count", 2);
            scooter.put("wheel_count", 2);
        } else {
            bike.put("name", "Bike");
            scooter.put("name", "E-scooter");
        }
    }

    private void stationInformation(ObjectNode data, boolean v3) {
        ArrayNode stations = data.putArray("stations");
        for (Station s : bikes.stations()) {
            ObjectNode n = stations.addObject().put("station_id", s.id());
            if (v3) {
                localized(n.putArray("name"), s.name());
            } else {
                n.put("name", s.name());
            }
            n.put("lat", s.lat()).put("lon", s.lon()).put("capacity", s.capacity());
        }
    }

    private void stationStatus(ObjectNode data, boolean v3, Snapshot snapshot) {
        ArrayNode stations = data.putArray("stations");
        for (StationStatus s : snapshot.stations()) {
            ObjectNode n = stations.addObject().put("station_id", s.station().id());
            n.put(v3 ? "num_vehicles_available" : "num_bikes_available", s.bikesAvailable());
            n.put(v3 ? "num_vehicles_disabled" : "num_bikes_disabled", s.bikesDisabled());
            n.putArray("vehicle_types_available").addObject().put("vehicle_type_id", BikeShare.BIKE_TYPE)
                    .put("count", s.bikesAvailable());
            n.put("num_docks_available", s.docksAvailable());
            n.put("is_installed", s.installed()).put("is_renting", s.renting()).put("is_returning", s.returning());
            if (v3) {
                n.put("last_reported", rfc3339(s.lastReported()));
            } else {
                n.put("last_reported", s.lastReported());
            }
        }
    }

    private void vehicles(ObjectNode data, boolean v3, Snapshot snapshot) {
        ArrayNode list = data.putArray(v3 ? "vehicles" : "bikes");
        for (Vehicle v : snapshot.vehicles()) {
            ObjectNode n = list.addObject().put(v3 ? "vehicle_id" : "bike_id", v.id());
            if (v.stationId() != null) {
                n.put("station_id", v.stationId());
            } else {
                n.put("lat", v.lat()).put("lon", v.lon());
            }
            n.put("is_reserved", v.reserved()).put("is_disabled", v.disabled())
                    .put("vehicle_type_id", v.vehicleTypeId());
            if (v.vehicleTypeId().equals(BikeShare.SCOOTER_TYPE)) {
                n.put("current_range_meters", v.rangeMeters());
            }
            if (v3) {
                n.put("last_reported", rfc3339(v.lastReported()));
            } else {
                n.put("last_reported", v.lastReported());
            }
        }
    }

    private void localized(ArrayNode array, String text) {
        array.addObject().put("text", text).put("language", city.language());
    }

    private String rfc3339(long epochSecond) {
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(epochSecond), zone)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
