package io.civicpulse.ingest.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.transit.realtime.GtfsRealtime;

import io.civicpulse.ingest.simulator.FeedClient;

/** Hand-made recordings and a plain HTTP client, for tests that need exact control over the snapshots. */
final class Snapshots {


    private Snapshots() {
    }

    /** A GTFS-Realtime feed timestamped {@code at} with one trip update for {@code tripId}. */
    static byte[] feed(Instant at, String tripId) {
        return GtfsRealtime.FeedMessage.newBuilder()
                .setHeader(GtfsRealtime.FeedHeader.newBuilder().setGtfsRealtimeVersion("2.0")
                        .setTimestamp(at.getEpochSecond()))
                .addEntity(GtfsRealtime.FeedEntity.newBuilder().setId(tripId).setTripUpdate(
                        GtfsRealtime.TripUpdate.newBuilder()
                                .setTrip(GtfsRealtime.TripDescriptor.newBuilder().setTripId(tripId))))
                .build().toByteArray();
    }

    /** Writes {@code dir/city/feed/{epochMillis}.pb} (or {@code .json} for GBFS feeds) and returns it. */
    static Path write(Path dir, String city, String feed, Instant at, byte[] body) {
        Path file = dir.resolve(city).resolve(feed).resolve(at.toEpochMilli() + (feed.startsWith("gbfs") ? ".json" : ".pb"));
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Writes a realtime snapshot whose feed is timestamped with its fetch time. */
    static Path realtime(Path dir, String feed, Instant at) {
        return write(dir, "sofia", feed, at, feed(at, feed + "-" + at.getEpochSecond()));
    }

    /** A plain GET, as a poller makes it. */
    static HttpResponse<byte[]> get(URI uri, String... headers) {
        return FeedClient.get(uri, headers);
    }

    /** The header timestamp of a served GTFS-Realtime feed. */
    static Instant feedTime(byte[] body) {
        try {
            return Instant.ofEpochSecond(GtfsRealtime.FeedMessage.parseFrom(body).getHeader().getTimestamp());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a FeedMessage", e);
        }
    }
}
