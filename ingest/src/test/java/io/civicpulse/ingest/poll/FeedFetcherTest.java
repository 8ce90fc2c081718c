package io.civicpulse.ingest.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;
import io.civicpulse.ingest.city.FeedEndpoint;

class FeedFetcherTest {

    private final HttpServer server = start();
    private final FeedFetcher fetcher = FeedFetcher.create(Clock.systemUTC());
    private final CountDownLatch release = new CountDownLatch(1);

    @TempDir
    Path dir;

    private HttpServer start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            s.createContext("/feed", exchange -> {
                byte[] body = "feed-v1".getBytes(StandardCharsets.UTF_8);
                if ("\"v1\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                    exchange.sendResponseHeaders(304, -1);
                } else {
                    exchange.getResponseHeaders().add("ETag", "\"v1\"");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
                exchange.close();
            });
            s.createContext("/broken", exchange -> {
                byte[] body = "upstream down".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(503, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            s.createContext("/missing", exchange -> {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            });
            s.createContext("/stall", exchange -> {
                exchange.sendResponseHeaders(200, 100);
                OutputStream out = exchange.getResponseBody();
                out.write(new byte[10]);
                out.flush();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            });
            s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            s.start();
            return s;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private FeedEndpoint endpoint(String path, Duration timeout) {
        return new FeedEndpoint("test", URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path),
                Duration.ofSeconds(1), timeout);
    }

    @Test
    void aRepeatedGetWithTheEtagIsNotModified() throws Exception {
        FeedEndpoint feed = endpoint("/feed", Duration.ofSeconds(5));
        FeedFetcher.Fetched first = (FeedFetcher.Fetched) fetcher.fetch(feed, FeedFetcher.Validators.NONE);

        assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo("feed-v1");
        assertThat(first.version()).isEqualTo("\"v1\"");
        assertThat(fetcher.fetch(feed, first.validators())).isInstanceOf(FeedFetcher.NotModified.class);
        assertThat(fetcher.fetch(feed, FeedFetcher.Validators.NONE)).isInstanceOf(FeedFetcher.Fetched.class);
    }

    @Test
    void aServerErrorIsClassifiedWithItsStatusAndBody() {
        assertThatThrownBy(() -> fetcher.fetch(endpoint("/broken", Duration.ofSeconds(5)), FeedFetcher.Validators.NONE))
                .isInstanceOfSatisfying(FetchException.class, e -> {
                    assertThat(e.reason()).isEqualTo("http.server-error");
                    assertThat(e.detail()).containsEntry("status", "503");
                    assertThat(new String(e.body(), StandardCharsets.UTF_8)).isEqualTo("upstream down");
                });
    }

    @Test
    void aClientErrorIsClassifiedApartFromServerErrors() {
        assertThatThrownBy(() -> fetcher.fetch(endpoint("/missing", Duration.ofSeconds(5)), FeedFetcher.Validators.NONE))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo("http.client-error"));
    }

    @Test
    void aServerThatStallsMidBodyTimesOut() {
        assertThatThrownBy(() -> fetcher.fetch(endpoint("/stall", Duration.ofMillis(300)), FeedFetcher.Validators.NONE))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo("http.timeout"));
    }

    @Test
    void anUnchangedFileIsNotModifiedAndAnotherVersionIsFetched() throws Exception {
        Path file = dir.resolve("feed.pb");
        Files.write(file, new byte[] {1, 2, 3});
        FeedEndpoint feed = new FeedEndpoint("file", file.toUri(), Duration.ofSeconds(1));

        FeedFetcher.Fetched first = (FeedFetcher.Fetched) fetcher.fetch(feed, FeedFetcher.Validators.NONE);
        assertThat(first.body()).containsExactly(1, 2, 3);
        assertThat(first.contentType()).isEqualTo("application/x-protobuf");
        assertThat(fetcher.fetch(feed, first.validators())).isInstanceOf(FeedFetcher.NotModified.class);

        Files.write(file, new byte[] {1, 2, 3, 4});
        assertThat(fetcher.fetch(feed, first.validators())).isInstanceOf(FeedFetcher.Fetched.class);
    }

    @Test
    void aMissingFileIsClassified() {
        FeedEndpoint feed = new FeedEndpoint("file", dir.resolve("absent.pb").toUri(), Duration.ofSeconds(1));

        assertThatThrownBy(() -> fetcher.fetch(feed, FeedFetcher.Validators.NONE))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo("file.not-found"));
    }

    @Test
    void aLargeBodyCanBeFetchedToAFileWithItsDigestAsVersion() throws Exception {
        Path target = dir.resolve("gtfs.zip");
        Path source = dir.resolve("source.zip");
        Files.write(source, new byte[] {9, 9});
        FeedEndpoint feed = new FeedEndpoint("gtfs-static", source.toUri(), Duration.ofSeconds(1));

        FeedFetcher.Fetched fetched = (FeedFetcher.Fetched) fetcher.fetchToFile(feed, FeedFetcher.Validators.NONE,
                target, Duration.ofSeconds(5));

        assertThat(fetched.file()).isEqualTo(target);
        assertThat(Files.readAllBytes(target)).containsExactly(9, 9);
        assertThat(fetched.version()).hasSize(64);
    }

    @Test
    void aRedirectToAHostTheFeedDoesNotAllowIsRefused() {
        try (FeedServer feeds = new FeedServer()) {
            feeds.serve("/elsewhere.pb", "x".getBytes(StandardCharsets.UTF_8), "application/x-protobuf");
            // The same server under another name: "localhost" is not the feed's host "127.0.0.1".
            feeds.redirect("/feed.pb", URI.create(feeds.url("/elsewhere.pb").toString().replace("127.0.0.1",
                    "localhost")));
            FeedEndpoint feed = new FeedEndpoint("test", feeds.url("/feed.pb"), Duration.ofSeconds(1),
                    Duration.ofSeconds(5));

            assertThatThrownBy(() -> fetcher.fetch(feed, FeedFetcher.Validators.NONE))
                    .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason())
                            .isEqualTo("url.not-allowed"));
            assertThat(feeds.requests("/elsewhere.pb")).isZero();
        }
    }

    @Test
    void aRedirectToAnAllowedHostIsFollowed() throws Exception {
        try (FeedServer feeds = new FeedServer()) {
            feeds.serve("/elsewhere.pb", "x".getBytes(StandardCharsets.UTF_8), "application/x-protobuf");
            feeds.redirect("/feed.pb", URI.create(feeds.url("/elsewhere.pb").toString().replace("127.0.0.1",
                    "localhost")));
            FeedEndpoint feed = new FeedEndpoint("test", feeds.url("/feed.pb"), Duration.ofSeconds(1),
                    Duration.ofSeconds(5)).withAllowedHosts(java.util.Set.of("localhost"));

            assertThat(fetcher.fetch(feed, FeedFetcher.Validators.NONE)).isInstanceOf(FeedFetcher.Fetched.class);
        }
    }

    @Test
    void aSecretHeaderIsSentButRedactedFromTheFailureItCausedWhenEchoed() {
        try (FeedServer feeds = new FeedServer()) {
            feeds.fail("/feed.pb", 401, "invalid key s3cr3t-k3y".getBytes(StandardCharsets.UTF_8));
            FeedEndpoint feed = new FeedEndpoint("test", feeds.url("/feed.pb"), Duration.ofSeconds(1),
                    Duration.ofSeconds(5)).withSecret(io.civicpulse.ingest.city.FeedSecret.header("X-Api-Key",
                    "s3cr3t-k3y"));

            assertThatThrownBy(() -> fetcher.fetch(feed, FeedFetcher.Validators.NONE))
                    .isInstanceOfSatisfying(FetchException.class, e -> {
                        assertThat(e.getMessage()).doesNotContain("s3cr3t-k3y");
                        assertThat(e.detail().toString()).doesNotContain("s3cr3t-k3y");
                        assertThat(new String(e.body(), StandardCharsets.UTF_8)).doesNotContain("s3cr3t-k3y")
                                .contains("invalid key");
                    });
            assertThat(feeds.lastHeader("/feed.pb", "X-Api-Key")).isEqualTo("s3cr3t-k3y");
        }
    }

    @Test
    void aSecretQueryParameterIsAddedOnlyToTheRequest() throws Exception {
        try (FeedServer feeds = new FeedServer()) {
            feeds.fail("/feed.pb", 500, "down".getBytes(StandardCharsets.UTF_8));
            FeedEndpoint feed = new FeedEndpoint("test", URI.create(feeds.url("/feed.pb") + "?format=pb"),
                    Duration.ofSeconds(1), Duration.ofSeconds(5))
                    .withSecret(io.civicpulse.ingest.city.FeedSecret.query("key", "s3cr3t k3y"));

            assertThatThrownBy(() -> fetcher.fetch(feed, FeedFetcher.Validators.NONE))
                    .isInstanceOfSatisfying(FetchException.class, e -> {
                        assertThat(e.getMessage()).doesNotContain("s3cr3t").contains("format=pb");
                        assertThat(e.detail().toString()).doesNotContain("s3cr3t");
                    });
            assertThat(feeds.lastQuery("/feed.pb")).isEqualTo("format=pb&key=s3cr3t+k3y");
            assertThat(feed.toString()).doesNotContain("s3cr3t");
        }
    }
}
