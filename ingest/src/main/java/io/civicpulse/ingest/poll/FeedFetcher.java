package io.civicpulse.ingest.poll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.city.FeedSecret;

/**
 * Fetches a city's feeds over http(s) or from {@code file:} URLs with the care a poller needs: conditional GET
 * (the caller keeps the validators and passes them back, so a poll whose data was not processed is not
 * suppressed by a 304 next time), a deadline on the whole response (a server that sends headers and then stalls
 * cannot hang a poller), a size cap, and failures classified into stable reason codes. Redirects are followed
 * here, not by the HTTP client, so each target is checked against the {@link UrlPolicy}. A feed's
 * {@link FeedSecret} is added to the request only, and taken out of every failure it could appear in.
 */
public final class FeedFetcher {

    /** A GTFS-RT feed of a large city is about 1 MB; anything this large is an error, not a feed. */
    public static final long MAX_BODY_BYTES = 64L * 1024 * 1024;
    private static final int MAX_ERROR_BODY = 16 * 1024;
    private static final int MAX_REDIRECTS = 5;

    /** Closes response streams whose deadline passed; one daemon thread for every fetcher of the process. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "civicpulse-fetch-deadline");
        t.setDaemon(true);
        return t;
    });

    /** ETag and Last-Modified of the last response the caller processed; {@link #NONE} before the first. */
    public record Validators(String etag, String lastModified) {
        public static final Validators NONE = new Validators(null, null);
    }

    /** What a fetch returned. */
    public sealed interface Result permits Fetched, NotModified {
    }

    /**
     * A new body. {@code version} is the ETag when the server sent one, else the body's SHA-256 (file or HTTP).
     */
    public record Fetched(byte[] body, Path file, String contentType, Validators validators, String version,
                          Map<String, String> headers, Instant receivedAt) implements Result {
    }

    /** The server (or file) says nothing changed since the validators given. */
    public record NotModified(Instant receivedAt) implements Result {
    }

    private final HttpClient client;
    private final Clock clock;

    public FeedFetcher(HttpClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public static FeedFetcher create(Clock clock) {
        return new FeedFetcher(HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                // Followed by fetchHttp, which checks each target against the UrlPolicy.
                .followRedirects(HttpClient.Redirect.NEVER)
                .build(), clock);
    }

    /** Fetches the feed into memory. */
    public Result fetch(FeedEndpoint feed, Validators validators) throws FetchException {
        return fetch(feed, validators, null, feed.timeout());
    }

    /**
     * Fetches the feed into {@code target} (replaced only when a new body arrived), for bodies too large to hold
     * in memory such as a GTFS static zip; the whole transfer may take up to {@code deadline}.
     */
    public Result fetchToFile(FeedEndpoint feed, Validators validators, Path target, Duration deadline)
            throws FetchException {
        return fetch(feed, validators, target, deadline);
    }

    private Result fetch(FeedEndpoint feed, Validators validators, Path target, Duration deadline)
            throws FetchException {
        String scheme = feed.url().getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            return fetchFile(feed.url(), validators, target);
        }
        try {
            return fetchHttp(feed, validators, target, deadline);
        } catch (FetchException e) {
            throw redacted(feed.secret(), e);
        }
    }

    /**
     * The failure without the secret's value, which an error page or an exception may echo. The cause is dropped
     * with a secret: its message may hold the request URL, query key included, and causes are logged in full.
     */
    private static FetchException redacted(FeedSecret secret, FetchException e) {
        if (secret == null) {
            return e;
        }
        Map<String, String> detail = new LinkedHashMap<>();
        e.detail().forEach((k, v) -> detail.put(k, secret.redact(v)));
        byte[] body = e.body();
        if (body != null) {
            String text = new String(body, StandardCharsets.UTF_8);
            String clean = secret.redact(text);
            body = clean.equals(text) ? body : clean.getBytes(StandardCharsets.UTF_8);
        }
        return new FetchException(e.reason(), secret.redact(e.getMessage()), body, detail, null);
    }

    /** The URL a request goes to: the feed's, with the secret's query parameter when it has one. */
    private static URI requestUrl(FeedEndpoint feed) {
        FeedSecret secret = feed.secret();
        if (secret == null || secret.kind() != FeedSecret.Kind.QUERY) {
            return feed.url();
        }
        String url = feed.url().toString();
        int fragment = url.indexOf('#');
        if (fragment >= 0) {
            url = url.substring(0, fragment);
        }
        return URI.create(url + (feed.url().getRawQuery() == null ? "?" : "&")
                + URLEncoder.encode(secret.name(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(secret.value(), StandardCharsets.UTF_8));
    }

    private Result fetchFile(URI url, Validators validators, Path target) throws FetchException {
        Path path = Path.of(url);
        try {
            // mtime and size stand in for an ETag: a replay tool that rewrites the file changes at least one.
            String stamp = Files.getLastModifiedTime(path).toMillis() + "-" + Files.size(path);
            if (stamp.equals(validators.etag())) {
                return new NotModified(clock.instant());
            }
            Validators next = new Validators(stamp, null);
            try (InputStream in = Files.newInputStream(path)) {
                return body(in, target, "file", guessContentType(path), next, null, Map.of(), null);
            }
        } catch (NoSuchFileException e) {
            throw new FetchException("file.not-found", "feed file " + path + " does not exist", null,
                    Map.of("url", url.toString()), e);
        } catch (IOException e) {
            throw new FetchException("file.unreadable", "feed file " + path + " cannot be read: " + e.getMessage(),
                    null, Map.of("url", url.toString()), e);
        }
    }

    private Result fetchHttp(FeedEndpoint configured, Validators validators, Path target, Duration deadline)
            throws FetchException {
        FeedEndpoint feed = configured;
        for (int hops = 0; ; hops++) {
            HttpResponse<InputStream> response = send(feed, validators);
            int status = response.statusCode();
            String location = response.headers().firstValue("Location").orElse(null);
            if (!isRedirect(status) || location == null) {
                return answer(feed, response, target, deadline);
            }
            closeQuietly(response.body());
            URI next;
            try {
                next = feed.url().resolve(location);
            } catch (IllegalArgumentException e) {
                throw new FetchException("http.invalid-redirect", feed.url() + " redirects to '" + location
                        + "', which is not a URL", null, Map.of("url", feed.url().toString()), e);
            }
            if (hops >= MAX_REDIRECTS) {
                throw new FetchException("http.too-many-redirects", configured.url() + " redirected more than "
                        + MAX_REDIRECTS + " times", null, Map.of("url", configured.url().toString()), null);
            }
            // Checked against the configured feed: a chain of redirects cannot walk from host to host.
            UrlPolicy.checkRedirect(configured, next);
            feed = configured.at(next);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private HttpResponse<InputStream> send(FeedEndpoint feed, Validators validators) throws FetchException {
        HttpRequest.Builder request = HttpRequest.newBuilder(requestUrl(feed)).timeout(feed.timeout()).GET()
                .header("Accept-Encoding", "identity");
        if (feed.secret() != null && feed.secret().kind() == FeedSecret.Kind.HEADER) {
            request.header(feed.secret().name(), feed.secret().value());
        }
        if (validators.etag() != null) {
            request.header("If-None-Match", validators.etag());
        }
        if (validators.lastModified() != null) {
            request.header("If-Modified-Since", validators.lastModified());
        }
        Map<String, String> detail = Map.of("url", feed.url().toString());
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new FetchException("http.timeout", "no response from " + feed.url() + " within "
                    + feed.timeout().toMillis() + " ms", null, detail, e);
        } catch (ConnectException e) {
            throw new FetchException("http.unreachable", "cannot connect to " + feed.url() + ": " + e, null,
                    detail, e);
        } catch (IOException e) {
            throw new FetchException("http.io-error", "fetching " + feed.url() + " failed: " + e, null, detail, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException("http.interrupted", "interrupted while fetching " + feed.url(), null,
                    detail, e);
        }
    }

    private Result answer(FeedEndpoint feed, HttpResponse<InputStream> response, Path target, Duration deadline)
            throws FetchException {
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("url", feed.url().toString());
        int status = response.statusCode();
        detail.put("status", String.valueOf(status));
        Map<String, String> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> headers.put(name, String.join(", ", values)));
        if (status == 304) {
            closeQuietly(response.body());
            return new NotModified(clock.instant());
        }
        if (status < 200 || status >= 300) {
            byte[] body = readCapped(response.body());
            throw new FetchException(status >= 500 ? "http.server-error" : "http.client-error",
                    "HTTP " + status + " from " + feed.url(), body, withHeaders(detail, headers), null);
        }
        String etag = response.headers().firstValue("ETag").orElse(null);
        Validators next = new Validators(etag, response.headers().firstValue("Last-Modified").orElse(null));
        String contentType = response.headers().firstValue("Content-Type").orElse(null);
        try (InputStream in = response.body()) {
            return body(in, target, feed.url().toString(), contentType, next, etag, headers, deadline);
        } catch (DeadlinePassed e) {
            throw new FetchException("http.timeout", "response from " + feed.url() + " not complete within "
                    + deadline.toMillis() + " ms", null, detail, e);
        } catch (IOException e) {
            throw new FetchException("http.io-error", "reading the response of " + feed.url() + " failed: " + e,
                    null, detail, e);
        }
    }

    /** Thrown when the watchdog closed a stream whose deadline passed. */
    private static final class DeadlinePassed extends IOException {
        DeadlinePassed(IOException cause) {
            super(cause);
        }
    }

    private Result body(InputStream in, Path target, String origin, String contentType, Validators validators,
                        String etag, Map<String, String> headers, Duration deadline) throws IOException, FetchException {
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> watchdog = deadline == null ? null : WATCHDOG.schedule(() -> {
            expired.set(true);
            closeQuietly(in);
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            MessageDigest sha256 = sha256();
            if (target == null) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                copy(in, new DigestOutputStream(buffer, sha256), origin);
                String version = etag != null ? etag : HexFormat.of().formatHex(sha256.digest());
                return new Fetched(buffer.toByteArray(), null, contentType, validators, version, headers,
                        clock.instant());
            }
            Path partial = target.resolveSibling(target.getFileName() + ".part");
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), sha256)) {
                copy(in, out, origin);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            String version = etag != null ? etag : HexFormat.of().formatHex(sha256.digest());
            return new Fetched(null, target, contentType, validators, version, headers, clock.instant());
        } catch (IOException e) {
            if (expired.get()) {
                throw new DeadlinePassed(e);
            }
            throw e;
        } finally {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, String origin) throws IOException, FetchException {
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(chunk)) >= 0; ) {
            total += n;
            if (total > MAX_BODY_BYTES) {
                throw new FetchException("feed.too-large", origin + " sent more than " + MAX_BODY_BYTES
                        + " bytes", null, Map.of("url", origin), null);
            }
            out.write(chunk, 0, n);
        }
    }

    private static byte[] readCapped(InputStream in) {
        try (in) {
            return in.readNBytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            return null;
        }
    }

    private static Map<String, String> withHeaders(Map<String, String> detail, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(detail);
        headers.forEach((k, v) -> all.putIfAbsent("http." + k.toLowerCase(Locale.ROOT), v));
        return all;
    }

    private static String guessContentType(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return "application/json";
        }
        if (name.endsWith(".zip")) {
            return "application/zip";
        }
        return name.endsWith(".pb") ? "application/x-protobuf" : null;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Closing is best effort; the stream is abandoned either way.
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
