package io.civicpulse.ingest.open311;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Reads GeoReport v2 JSON strictly. The spec's own examples are not valid JSON (ids such as {@code 006}); a body
 * like that is refused whole with the parser's position, because guessing what {@code 006} meant (6? "006"?)
 * would silently merge services. Within a valid body, each request is validated on its own: a request missing
 * its id or times is rejected with the field, and the others are kept.
 */
final class Open311Parser {

    /** A body that is not a JSON array: the whole response is a dead letter. */
    static final class InvalidBodyException extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        InvalidBodyException(String reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }
    }

    /**
     * One element of a valid body that could not be used. {@code raw} is the element for a service; for a request
     * it is null and only its id is kept: a request can carry a resident's name, e-mail or phone number, which
     * must not be copied into a dead letter.
     */
    record Invalid(int index, String field, String reason, String message, byte[] raw, String requestId) {
        Invalid(int index, String field, String reason, String message, byte[] raw) {
            this(index, field, reason, message, raw, null);
        }
    }

    record Parsed<T>(List<T> items, List<Invalid> invalid) {
    }

    /** A service of services.json. */
    record Service(String code, String name, String description, String group, String type, byte[] raw) {
    }

    private final ObjectMapper json = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonNode array(byte[] body) throws InvalidBodyException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidBodyException("json.invalid", "response is not valid JSON: " + e.getOriginalMessage()
                    + where, e);
        } catch (IOException e) {
            throw new InvalidBodyException("json.invalid", "response is not readable JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new InvalidBodyException("open311.not-an-array", "GeoReport v2 answers a JSON array; got "
                    + (root == null ? "an empty body" : root.getNodeType().name().toLowerCase(java.util.Locale.ROOT)),
                    null);
        }
        return root;
    }

    Parsed<Service> services(byte[] body) throws InvalidBodyException {
        List<Service> services = new ArrayList<>();
        List<Invalid> invalid = new ArrayList<>();
        int index = 0;
        for (JsonNode node : array(body)) {
            byte[] raw = node.toString().getBytes(StandardCharsets.UTF_8);
            String code = idText(node.get("service_code"));
            String name = text(node.get("service_name"));
            if (code == null) {
                invalid.add(new Invalid(index, "service_code", "open311.field-missing", "service_code is required", raw));
            } else if (name == null) {
                invalid.add(new Invalid(index, "service_name", "open311.field-missing", "service_name is required", raw));
            } else {
                services.add(new Service(code, name, text(node.get("description")), text(node.get("group")),
                        text(node.get("type")), raw));
            }
            index++;
        }
        return new Parsed<>(services, invalid);
    }

    Parsed<Open311Request> requests(byte[] body) throws InvalidBodyException {
        List<Open311Request> requests = new ArrayList<>();
        List<Invalid> invalid = new ArrayList<>();
        int index = 0;
        for (JsonNode node : array(body)) {
            try {
                requests.add(request(node));
            } catch (FieldException e) {
                invalid.add(new Invalid(index, e.field, e.reason, e.getMessage(), null,
                        node.isObject() ? idText(node.get("service_request_id")) : null));
            }
            index++;
        }
        return new Parsed<>(requests, invalid);
    }

    /**
     * The fields indicators use, read by name: whatever else a request carries (names, e-mails, phone numbers) is
     * never read.
     */
    private static Open311Request request(JsonNode node) throws FieldException {
        if (!node.isObject()) {
            throw new FieldException(null, "open311.not-an-object", "each request must be a JSON object");
        }
        String id = required(node, "service_request_id");
        String status = required(node, "status");
        String serviceCode = required(node, "service_code");
        Instant requestedAt = instant(node, "requested_datetime", true);
        Instant updatedAt = instant(node, "updated_datetime", false);
        Double latitude = number(node, "lat");
        Double longitude = number(node, "long");
        if ((latitude == null) != (longitude == null)) {
            throw new FieldException(latitude == null ? "lat" : "long", "open311.field-missing",
                    "lat and long come together or not at all");
        }
        return new Open311Request(id, status, text(node.get("status_notes")), serviceCode,
                text(node.get("service_name")), text(node.get("description")), text(node.get("agency_responsible")),
                requestedAt, updatedAt == null ? requestedAt : updatedAt, instant(node, "expected_datetime", false),
                latitude, longitude, text(node.get("address")));
    }

    private static String required(JsonNode node, String field) throws FieldException {
        String value = idText(node.get(field));
        if (value == null) {
            throw new FieldException(field, "open311.field-missing", field + " is required");
        }
        return value;
    }

    private static Instant instant(JsonNode node, String field, boolean required) throws FieldException {
        String text = text(node.get(field));
        if (text == null) {
            if (required) {
                throw new FieldException(field, "open311.field-missing", field + " is required");
            }
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeException e) {
            throw new FieldException(field, "open311.field-invalid", field + " must be ISO-8601 with an offset"
                    + " (GeoReport v2 uses W3C date-times); got '" + text + "'");
        }
    }

    private static Double number(JsonNode node, String field) throws FieldException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
            return null;
        }
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isTextual()) {
            try {
                return Double.parseDouble(value.asText().trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new FieldException(field, "open311.field-invalid", field + " must be a number; got " + value);
    }

    /** Ids arrive as strings or numbers depending on the endpoint; both mean the same id. */
    private static String idText(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.isTextual() ? value.asText().trim() : value.isIntegralNumber() ? value.asText() : null;
        return text == null || text.isEmpty() ? null : text;
    }

    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.asText();
        return text.isBlank() ? null : text;
    }

    private static final class FieldException extends Exception {
        private static final long serialVersionUID = 1L;
        final String field;
        final String reason;

        FieldException(String field, String reason, String message) {
            super(message, null, false, false);
            this.field = field;
            this.reason = reason;
        }
    }
}
