package io.civicpulse.ingest.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.transit.realtime.GtfsRealtime.FeedMessage;

/**
 * What a poller does, for the tests: plain HTTP GETs against the simulator (or a replay), decoding with the real
 * libraries.
 */
public final class FeedClient {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private FeedClient() {
    }

    public static HttpResponse<byte[]> get(URI uri, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(URI uri) {
        HttpResponse<byte[]> response = get(uri);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + uri + " answered " + response.statusCode());
        }
        return response.body();
    }

    static FeedMessage feed(URI uri) {
        try {
            return FeedMessage.parseFrom(bytes(uri));
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a GTFS-RT FeedMessage at " + uri, e);
        }
    }

    static JsonNode json(URI uri) {
        try {
            return JSON.readTree(bytes(uri));
        } catch (IOException e) {
            throw new AssertionError("not JSON at " + uri, e);
        }
    }
}
