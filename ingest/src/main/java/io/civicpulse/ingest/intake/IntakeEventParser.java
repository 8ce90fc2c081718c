package io.civicpulse.ingest.intake;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Currency;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.reference.CityService;
import io.civicpulse.schemas.services.FailureKind;
import io.civicpulse.schemas.services.OpenDataAccessEvent;
import io.civicpulse.schemas.services.OpenDataAccessKind;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.services.PaymentMethod;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.services.SessionPhase;
import io.civicpulse.schemas.topics.Topics;

/**
 * Turns a posted body (a JSON array, or NDJSON: one JSON object per line) into validated events. Strict where
 * a lenient parser would let bad data through silently (numbers with leading zeros, duplicate keys, unknown
 * enum values, amounts below zero, timestamps in the future), and per event: one bad event is rejected with its
 * field and reason while every valid event beside it is accepted.
 */
public final class IntakeEventParser {

    /** A body that cannot be read as events at all: the whole request is refused with 400. */
    public static final class UnparseableBodyException extends Exception {
        private static final long serialVersionUID = 1L;

        UnparseableBodyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Pattern CITY = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final int MAX_ID_LENGTH = 200;
    /**
     * Every text field is bounded, so no field can make a record (or its dead letter) grow with the body: a
     * catalogue name gets room for a long official title, everything else is an id or a code.
     */
    static final int MAX_TEXT_LENGTH = 200;
    static final int MAX_NAME_LENGTH = 500;
    /** How much of a bad value an error message quotes. */
    static final int QUOTE_LENGTH = 40;
    /**
     * A payment above this (in major units) is a bug, not a payment. Checked before any scaling: the amount
     * arrives as a decimal whose exponent is the client's to choose, and scaling 5e599999999 to minor units
     * builds a number of 600 million digits.
     */
    static final BigDecimal MAX_AMOUNT = new BigDecimal("1e12");

    private final ObjectMapper json = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private final Clock clock;
    private final Duration allowedClockSkew;

    /**
     * @param allowedClockSkew how far in the future an event time may be before it is rejected: sources' clocks
     *                         drift, but an event from tomorrow is a bug that would corrupt windows
     */
    public IntakeEventParser(Clock clock, Duration allowedClockSkew) {
        this.clock = clock;
        this.allowedClockSkew = allowedClockSkew;
    }

    /**
     * @param ndjson true for {@code application/x-ndjson} (a line that is not JSON rejects that event only);
     *               false for a JSON array (a body that is not JSON rejects the request)
     */
    public List<IntakeEvent> parse(byte[] body, boolean ndjson) throws UnparseableBodyException {
        Instant receivedAt = clock.instant();
        List<IntakeEvent> events = new ArrayList<>();
        if (ndjson) {
            String text = new String(body, StandardCharsets.UTF_8);
            int index = 0;
            for (String line : text.split("\r?\n")) {
                if (line.isBlank()) {
                    continue;
                }
                byte[] raw = line.getBytes(StandardCharsets.UTF_8);
                try {
                    events.add(validate(index, json.readTree(raw), raw, receivedAt));
                } catch (IOException e) {
                    events.add(new IntakeEvent.Rejected(index, null, "json.invalid",
                            "line " + (index + 1) + " is not valid JSON: " + shortMessage(e), raw));
                }
                index++;
            }
            return events;
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new UnparseableBodyException("body is not valid JSON: " + shortMessage(e), e);
        }
        if (root == null || !root.isArray()) {
            throw new UnparseableBodyException("body must be a JSON array of events (or NDJSON with Content-Type"
                    + " application/x-ndjson), found " + (root == null ? "nothing" : root.getNodeType()), null);
        }
        int index = 0;
        for (Iterator<JsonNode> it = root.elements(); it.hasNext(); index++) {
            JsonNode node = it.next();
            byte[] raw = node.toString().getBytes(StandardCharsets.UTF_8);
            events.add(validate(index, node, raw, receivedAt));
        }
        return events;
    }

    private static String shortMessage(IOException e) {
        if (e instanceof JsonProcessingException jpe) {
            String original = jpe.getOriginalMessage();
            return original + (jpe.getLocation() == null ? ""
                    : " at line " + jpe.getLocation().getLineNr() + ", column " + jpe.getLocation().getColumnNr());
        }
        return e.getMessage();
    }

    private IntakeEvent validate(int index, JsonNode node, byte[] raw, Instant receivedAt) {
        if (!node.isObject()) {
            return new IntakeEvent.Rejected(index, null, "event.not-an-object",
                    "each event must be a JSON object, found " + node.getNodeType(), raw);
        }
        try {
            Fields f = new Fields(node);
            String type = f.requiredText("type");
            String eventId = f.requiredId("eventId");
            String city = f.requiredText("city");
            if (!CITY.matcher(city).matches()) {
                throw new Invalid("city", "field.invalid", "city must be a lower-case id like sofia ([a-z][a-z0-9-]*)");
            }
            Instant occurredAt = f.requiredInstant("occurredAt");
            if (occurredAt.isAfter(receivedAt.plus(allowedClockSkew))) {
                throw new Invalid("occurredAt", "event.future-timestamp", "occurredAt " + occurredAt + " is in the future"
                        + " (received at " + receivedAt + ", allowed clock skew " + allowedClockSkew + ")");
            }
            return switch (type) {
                case "session" -> session(index, f, eventId, city, occurredAt, receivedAt);
                case "payment" -> payment(index, f, eventId, city, occurredAt, receivedAt);
                case "open-data-access" -> openData(index, f, eventId, city, occurredAt, receivedAt);
                case "catalogue-change" -> catalogue(index, f, eventId, city, occurredAt);
                default -> throw new Invalid("type", "enum.unknown", "unknown event type " + quote(type)
                        + "; expected one of session, payment, open-data-access, catalogue-change");
            };
        } catch (Invalid invalid) {
            return new IntakeEvent.Rejected(index, invalid.field, invalid.reason, invalid.getMessage(), raw);
        }
    }

    private static IntakeEvent session(int index, Fields f, String eventId, String city, Instant occurredAt,
                                       Instant receivedAt) throws Invalid {
        SessionPhase phase = f.requiredEnum("phase", SessionPhase.class);
        FailureKind failureKind = f.optionalEnum("failureKind", FailureKind.class);
        if (failureKind != null && phase != SessionPhase.FAILED) {
            throw new Invalid("failureKind", "field.inconsistent", "failureKind is only allowed when phase is failed");
        }
        if (phase == SessionPhase.FAILED && failureKind == null) {
            failureKind = FailureKind.UNKNOWN;
        }
        ServiceSessionEvent event = ServiceSessionEvent.newBuilder()
                .setCity(city)
                .setSessionId(f.requiredId("sessionId"))
                .setServiceId(f.requiredId("serviceId"))
                .setPhase(phase)
                .setChannel(f.requiredEnum("channel", ServiceChannel.class))
                .setFailureKind(failureKind)
                .setOccurredAt(occurredAt)
                .setIngestedAt(receivedAt)
                .setEventId(eventId)
                .setSource(f.optionalText("source"))
                .build();
        return new IntakeEvent.Accepted(index, Topics.SERVICE_SESSIONS, city + "/" + event.getSessionId(), event,
                eventId);
    }

    private static IntakeEvent payment(int index, Fields f, String eventId, String city, Instant occurredAt,
                                       Instant receivedAt) throws Invalid {
        String code = f.requiredText("currency").toUpperCase(Locale.ROOT);
        Currency currency;
        try {
            currency = Currency.getInstance(code);
        } catch (IllegalArgumentException e) {
            throw new Invalid("currency", "field.invalid", "currency " + quote(code) + " is not an ISO 4217 code");
        }
        long minor = minorUnits(f.requiredDecimal("amount"), currency);
        PaymentMethod method = f.requiredEnum("method", PaymentMethod.class);
        Boolean electronic = f.optionalBoolean("electronic");
        if (electronic == null) {
            electronic = switch (method) {
                case CARD_ONLINE, BANK_TRANSFER, MOBILE_WALLET, DIRECT_DEBIT, CARD_AT_COUNTER -> true;
                case CASH, CHEQUE -> false;
                default -> throw new Invalid("electronic", "field.missing",
                        "electronic is required when method is " + method.name().toLowerCase(Locale.ROOT));
            };
        }
        PaymentEvent event = PaymentEvent.newBuilder()
                .setCity(city)
                .setPaymentId(f.requiredId("paymentId"))
                .setServiceId(f.optionalText("serviceId"))
                .setAmountMinor(minor)
                .setCurrency(code)
                .setMethod(method)
                .setElectronic(electronic)
                .setChannel(f.requiredEnum("channel", ServiceChannel.class))
                .setOccurredAt(occurredAt)
                .setIngestedAt(receivedAt)
                .setEventId(eventId)
                .build();
        return new IntakeEvent.Accepted(index, Topics.PAYMENTS, city + "/" + event.getPaymentId(), event, eventId);
    }

    /**
     * The amount in minor units. Only cheap operations (sign, comparison by magnitude, stripping zeros from a
     * number of at most Jackson's 1000 digits) run before the amount is known to be in range, and messages quote
     * the amount in its short scientific form, never {@code toPlainString}.
     */
    private static long minorUnits(BigDecimal amount, Currency currency) throws Invalid {
        if (amount.signum() < 0) {
            throw new Invalid("amount", "amount.negative", "amount " + quote(amount.toString()) + " is negative;"
                    + " a refund is a separate event type, not a negative payment");
        }
        if (amount.compareTo(MAX_AMOUNT) >= 0) {
            throw new Invalid("amount", "amount.out-of-range", "amount " + quote(amount.toString())
                    + " is not below " + MAX_AMOUNT.toPlainString() + " (in major units)");
        }
        int digits = Math.max(0, currency.getDefaultFractionDigits());
        BigDecimal exact = amount.stripTrailingZeros();
        if (exact.scale() > digits) {
            throw new Invalid("amount", "field.invalid", "amount " + quote(amount.toString()) + " has more"
                    + " decimals than " + currency.getCurrencyCode() + " allows (" + digits + ")");
        }
        return exact.movePointRight(digits).longValueExact();
    }

    private static IntakeEvent openData(int index, Fields f, String eventId, String city, Instant occurredAt,
                                        Instant receivedAt) throws Invalid {
        Long bytes = f.optionalLong("bytes");
        if (bytes != null && bytes < 0) {
            throw new Invalid("bytes", "field.invalid", "bytes must not be negative");
        }
        OpenDataAccessEvent event = OpenDataAccessEvent.newBuilder()
                .setCity(city)
                .setDatasetId(f.requiredId("datasetId"))
                .setAccessKind(f.requiredEnum("accessKind", OpenDataAccessKind.class))
                .setFormat(f.optionalText("format"))
                .setBytes(bytes)
                .setOccurredAt(occurredAt)
                .setIngestedAt(receivedAt)
                .setEventId(eventId)
                .build();
        return new IntakeEvent.Accepted(index, Topics.OPEN_DATA_ACCESS, city + "/" + event.getDatasetId(), event,
                eventId);
    }

    private static IntakeEvent catalogue(int index, Fields f, String eventId, String city, Instant occurredAt)
            throws Invalid {
        List<ServiceChannel> channels = f.enumList("channels", ServiceChannel.class);
        Boolean active = f.optionalBoolean("active");
        CityService entry = CityService.newBuilder()
                .setCity(city)
                .setServiceId(f.requiredId("serviceId"))
                .setName(f.requiredText("name", MAX_NAME_LENGTH))
                .setCategory(f.optionalText("category"))
                .setOnlineAvailable(f.requiredBoolean("onlineAvailable"))
                .setChannels(channels)
                .setActive(active == null || active)
                .setSource("intake")
                .setUpdatedAt(occurredAt)
                .build();
        return new IntakeEvent.Accepted(index, Topics.CITY_SERVICES, city + "/" + entry.getServiceId(), entry,
                eventId);
    }

    /** A validation failure of one field; carries what the rejection reports. */
    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final String field;
        final String reason;

        Invalid(String field, String reason, String message) {
            super(message, null, false, false);
            this.field = field;
            this.reason = reason;
        }
    }

    /** Typed, strict access to one event's fields: a wrong type is an error, never a coercion. */
    private record Fields(JsonNode node) {

        JsonNode present(String name) throws Invalid {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw new Invalid(name, "field.missing", name + " is required");
            }
            return value;
        }

        String requiredText(String name) throws Invalid {
            return requiredText(name, MAX_TEXT_LENGTH);
        }

        String requiredText(String name, int maxLength) throws Invalid {
            JsonNode value = present(name);
            if (!value.isTextual() || value.asText().isBlank()) {
                throw new Invalid(name, "field.wrong-type", name + " must be a non-empty string, found "
                        + describe(value));
            }
            return bounded(name, value.asText(), maxLength);
        }

        private static String bounded(String name, String text, int maxLength) throws Invalid {
            if (text.length() > maxLength) {
                throw new Invalid(name, "field.too-long", name + " must be at most " + maxLength
                        + " characters, found " + text.length() + ": " + quote(text));
            }
            return text;
        }

        String requiredId(String name) throws Invalid {
            String id = requiredText(name);
            if (id.length() > MAX_ID_LENGTH || id.contains("/")) {
                throw new Invalid(name, "field.invalid", name + " must be at most " + MAX_ID_LENGTH
                        + " characters without '/' (it becomes part of the record key)");
            }
            return id;
        }

        String optionalText(String name) throws Invalid {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isTextual()) {
                throw new Invalid(name, "field.wrong-type", name + " must be a string, found " + describe(value));
            }
            return bounded(name, value.asText(), MAX_TEXT_LENGTH);
        }

        Instant requiredInstant(String name) throws Invalid {
            String text = requiredText(name);
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeException e) {
                throw new Invalid(name, "field.invalid", name + " must be an ISO-8601 date-time with an offset,"
                        + " e.g. 2026-11-26T10:15:30+02:00 or 2026-11-26T08:15:30Z; found " + quote(text));
            }
        }

        BigDecimal requiredDecimal(String name) throws Invalid {
            JsonNode value = present(name);
            if (!value.isNumber()) {
                throw new Invalid(name, "field.wrong-type", name + " must be a number, found " + describe(value));
            }
            return value.decimalValue();
        }

        Long optionalLong(String name) throws Invalid {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw new Invalid(name, "field.wrong-type", name + " must be an integer, found " + describe(value));
            }
            return value.longValue();
        }

        boolean requiredBoolean(String name) throws Invalid {
            JsonNode value = present(name);
            if (!value.isBoolean()) {
                throw new Invalid(name, "field.wrong-type", name + " must be true or false, found " + describe(value));
            }
            return value.booleanValue();
        }

        Boolean optionalBoolean(String name) throws Invalid {
            JsonNode value = node.get(name);
            return value == null || value.isNull() ? null : requiredBoolean(name);
        }

        <E extends Enum<E>> E requiredEnum(String name, Class<E> type) throws Invalid {
            return parseEnum(name, requiredText(name), type);
        }

        <E extends Enum<E>> E optionalEnum(String name, Class<E> type) throws Invalid {
            String text = optionalText(name);
            return text == null ? null : parseEnum(name, text, type);
        }

        <E extends Enum<E>> List<E> enumList(String name, Class<E> type) throws Invalid {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return List.of();
            }
            if (!value.isArray()) {
                throw new Invalid(name, "field.wrong-type", name + " must be an array, found " + describe(value));
            }
            List<E> result = new ArrayList<>();
            for (JsonNode element : value) {
                if (!element.isTextual()) {
                    throw new Invalid(name, "field.wrong-type", name + " must hold strings, found " + describe(element));
                }
                result.add(parseEnum(name, element.asText(), type));
            }
            return result;
        }

        /**
         * UNKNOWN is the schemas' forward-compatibility default for readers, not a value a source may send: an
         * unrecognised value is rejected so the source learns about it instead of skewing the indicators.
         */
        private static <E extends Enum<E>> E parseEnum(String name, String text, Class<E> type) throws Invalid {
            String symbol = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(symbol) && !constant.name().startsWith("UNKNOWN")) {
                    return constant;
                }
            }
            throw new Invalid(name, "enum.unknown", "unknown " + name + " " + quote(text) + "; expected one of "
                    + allowed(type));
        }

        private static <E extends Enum<E>> String allowed(Class<E> type) {
            List<String> names = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                if (!constant.name().startsWith("UNKNOWN")) {
                    names.add(constant.name().toLowerCase(Locale.ROOT));
                }
            }
            return String.join(", ", names);
        }

        private static String describe(JsonNode value) {
            String type = value.getNodeType().name().toLowerCase(Locale.ROOT);
            // A container's toString would serialise all of it only to keep a prefix.
            return value.isContainerNode() ? type + " of " + value.size() : type + " " + quote(value.toString());
        }
    }

    /** A bad value as an error quotes it: at most a prefix, so a message never grows with the input. */
    static String quote(String value) {
        return "'" + (value.length() <= QUOTE_LENGTH ? value : value.substring(0, QUOTE_LENGTH - 3) + "...") + "'";
    }
}
