package io.civicpulse.ingest.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

/**
 * HTTP plumbing shared by the simulator and the replay server: writing a {@link ServedFeed} with its ETag and
 * Last-Modified, and answering conditional GETs with 304 as RFC 9110 says (If-None-Match wins over
 * If-Modified-Since).
 */
public final class FeedHttp {

    private FeedHttp() {
    }

    /** Answers a GET or HEAD with the feed, or 304 when the request's validators still match it. */
    public static void send(HttpExchange exchange, ServedFeed feed) throws IOException {
        Headers response = exchange.getResponseHeaders();
        response.set("ETag", feed.etag());
        response.set("Last-Modified", httpDate(feed.lastModified()));
        response.set("Cache-Control", "no-cache");
        if (notModified(exchange.getRequestHeaders(), feed)) {
            exchange.sendResponseHeaders(304, -1);
            exchange.close();
            return;
        }
        response.set("Content-Type", feed.contentType());
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(200, feed.body().length == 0 ? -1 : feed.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(feed.body());
        }
    }

    /** A plain-text error answer. */
    public static void error(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (status == 405) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static boolean notModified(Headers request, ServedFeed feed) {
        String ifNoneMatch = request.getFirst("If-None-Match");
        if (ifNoneMatch != null) {
            for (String candidate : ifNoneMatch.split(",")) {
                String tag = candidate.trim();
                if (tag.startsWith("W/")) {
                    tag = tag.substring(2);
                }
                if (tag.equals("*") || tag.equals(feed.etag())) {
                    return true;
                }
            }
            return false;
        }
        String ifModifiedSince = request.getFirst("If-Modified-Since");
        if (ifModifiedSince != null) {
            try {
                Instant since = ZonedDateTime.parse(ifModifiedSince.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return !feed.lastModified().truncatedTo(ChronoUnit.SECONDS).isAfter(since);
            } catch (DateTimeParseException e) {
                // An unparseable date is ignored, as RFC 9110 requires: the full answer follows.
                return false;
            }
        }
        return false;
    }

    public static String httpDate(Instant instant) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.truncatedTo(ChronoUnit.SECONDS)
                .atZone(ZoneOffset.UTC));
    }
}
