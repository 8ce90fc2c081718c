package io.civicpulse.serving.api;

import java.util.Map;
import java.util.Objects;

/**
 * Where the API listens and who may read it, from {@code civicpulse.http.*} settings. Loopback by default: exposing
 * a city's figures on every interface is a decision an operator makes, not a default.
 *
 * @param host           the address to bind ({@code civicpulse.http.host}, default 127.0.0.1)
 * @param port           the port ({@code civicpulse.http.port}, default 8070; 0 picks a free one)
 * @param advertisedHost how other instances reach this one ({@code civicpulse.http.advertised.host}, default the
 *                       bound host): the host part of Kafka Streams' {@code application.server}
 * @param readToken      when set ({@code civicpulse.http.read.token}, at least 16 characters), every API request
 *                       must carry {@code Authorization: Bearer <token>} (the stream also takes
 *                       {@code ?access_token=}, since a browser's EventSource cannot send headers)
 * @param maxStreamClients at most this many live-stream clients at once ({@code civicpulse.http.stream.max.clients})
 */
public record ServingSettings(String host, int port, String advertisedHost, String readToken, int maxStreamClients) {

    public static final String HOST = "civicpulse.http.host";
    public static final String PORT = "civicpulse.http.port";
    public static final String ADVERTISED_HOST = "civicpulse.http.advertised.host";
    public static final String READ_TOKEN = "civicpulse.http.read.token";
    public static final String MAX_STREAM_CLIENTS = "civicpulse.http.stream.max.clients";
    public static final int DEFAULT_PORT = 8070;
    static final int MIN_TOKEN_LENGTH = 16;

    public ServingSettings {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(PORT + " must be a port number, got " + port);
        }
        if (readToken != null && readToken.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException(READ_TOKEN + " must be at least " + MIN_TOKEN_LENGTH
                    + " characters long");
        }
        if (maxStreamClients < 1) {
            throw new IllegalArgumentException(MAX_STREAM_CLIENTS + " must be at least 1");
        }
    }

    public static ServingSettings from(Map<String, ?> settings) {
        String host = text(settings, HOST, "127.0.0.1");
        int port = number(settings, PORT, DEFAULT_PORT);
        String token = text(settings, READ_TOKEN, null);
        return new ServingSettings(host, port, text(settings, ADVERTISED_HOST, host), token,
                number(settings, MAX_STREAM_CLIENTS, 100));
    }

    /** The same settings on another port (the one actually bound, when 0 was asked for). */
    public ServingSettings withPort(int boundPort) {
        return new ServingSettings(host, boundPort, advertisedHost, readToken, maxStreamClients);
    }

    /** Kafka Streams' {@code application.server}: how other instances reach this one's API. */
    public String applicationServer() {
        String advertised = advertisedHost.equals("0.0.0.0") || advertisedHost.equals("::") ? "127.0.0.1"
                : advertisedHost;
        return advertised + ":" + port;
    }

    private static String text(Map<String, ?> settings, String key, String fallback) {
        Object value = settings.get(key);
        return value == null || value.toString().isBlank() ? fallback : value.toString().trim();
    }

    private static int number(Map<String, ?> settings, String key, int fallback) {
        String value = text(settings, key, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got " + value, e);
        }
    }
}
