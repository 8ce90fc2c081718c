package io.civicpulse.ingest.open311;

import java.time.Instant;

/**
 * One version of a GeoReport v2 service request as read from {@code requests.json}, validated: ids are strings
 * whatever type the endpoint sent, times are instants, and updatedAt falls back to requestedAt as the spec allows.
 */
record Open311Request(String id, String status, String statusNotes, String serviceCode, String serviceName,
                      String description, String agencyResponsible, Instant requestedAt, Instant updatedAt,
                      Instant expectedAt, Double latitude, Double longitude, String address) {

    boolean closed() {
        return "closed".equalsIgnoreCase(status);
    }
}
