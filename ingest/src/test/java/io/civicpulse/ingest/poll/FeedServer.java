package io.civicpulse.ingest.poll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/**
 * Serves test feeds over real HTTP on 127.0.0.1 with faults on demand: each path answers with the body, status
 * and content type last set for it, or hangs until the server stops. Counts requests per path.
 */
public final class FeedServer implements AutoCloseable {

    private record Response(int status, byte[] body, String contentType, boolean hang, String location) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Response> responses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final Map<String, com.sun.net.httpserver.Headers> lastHeaders = new ConcurrentHashMap<>();
    private final Map<String, String> lastQuery = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    public FeedServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            lastHeaders.put(path, exchange.getRequestHeaders());
            lastQuery.put(path, String.valueOf(exchange.getRequestURI().getRawQuery()));
            Response response = responses.get(path);
            if (response == null) {
                exchange.sendResponseHeaders(404, -1);
            } else if (response.hang()) {
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                if (response.location() != null) {
                    exchange.getResponseHeaders().add("Location", response.location());
                }
                if (response.contentType() != null) {
                    exchange.getResponseHeaders().add("Content-Type", response.contentType());
                }
                exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
                exchange.getResponseBody().write(response.body());
            }
            exchange.close();
        });
        server.setExecutor(executor);
        server.start();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    public void serve(String path, byte[] body, String contentType) {
        responses.put(path, new Response(200, body, contentType, false, null));
    }

    public void fail(String path, int status, byte[] body) {
        responses.put(path, new Response(status, body, "text/plain", false, null));
    }

    /** The body last set for the path. */
    public byte[] body(String path) {
        return responses.get(path).body();
    }

    /** The path answers 302 with this Location. */
    public void redirect(String path, URI location) {
        responses.put(path, new Response(302, new byte[0], null, false, location.toString()));
    }

    /** A request header of the last request to the path; null when absent or never requested. */
    public String lastHeader(String path, String name) {
        com.sun.net.httpserver.Headers headers = lastHeaders.get(path);
        return headers == null ? null : headers.getFirst(name);
    }

    /** The raw query string of the last request to the path ("null" when it had none). */
    public String lastQuery(String path) {
        return lastQuery.get(path);
    }

    /** The path accepts the request and never answers. */
    public void hang(String path) {
        responses.put(path, new Response(0, new byte[0], null, true, null));
    }

    public int requests(String path) {
        AtomicInteger n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        stopped.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
