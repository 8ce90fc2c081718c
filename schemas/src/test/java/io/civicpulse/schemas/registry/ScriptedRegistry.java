package io.civicpulse.schemas.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;

/**
 * An HTTP server on 127.0.0.1 that answers exactly what a test scripts, for fault injection against the registry
 * client: each (method, path) gets a sequence of replies, the last one repeating. It is deliberately not a
 * registry: an unscripted request gets a 400 naming it, so a test cannot pass by accident. Real registry behaviour
 * is covered by the integration tests against Apicurio.
 */
public final class ScriptedRegistry implements AutoCloseable {

    /** One request as the server saw it. */
    public record Request(String method, String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream())
                    .findFirst().orElse(null);
        }
    }

    /** One scripted answer; {@link #hang()} never answers until the server is closed. */
    public record Reply(int status, String body, boolean hangs) {
        public static Reply json(int status, String body) {
            return new Reply(status, body, false);
        }

        public static Reply ok(String body) {
            return json(200, body);
        }

        public static Reply hang() {
            return new Reply(0, null, true);
        }

        /** What a registry answers to {@code GET /schemas/ids/{id}}. */
        public static Reply schema(Schema schema) {
            return ok(new ObjectMapper().createObjectNode().put("schema", schema.toString()).toString());
        }

        /** What a registry answers to a registration. */
        public static Reply id(int id) {
            return ok("{\"id\":" + id + "}");
        }
    }

    private final HttpServer server;
    private final String scheme;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Deque<Reply>> script = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private ScriptedRegistry(HttpServer server, String scheme) {
        this.server = server;
        this.scheme = scheme;
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ScriptedRegistry start() {
        try {
            return new ScriptedRegistry(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
                    "http");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ScriptedRegistry startTls(SSLContext serverContext) {
        try {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(serverContext));
            return new ScriptedRegistry(https, "https");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Scripts the replies to {@code method path} (path including any query), in order; the last one repeats. */
    public ScriptedRegistry on(String method, String path, Reply... replies) {
        script.put(method + " " + path, new ArrayDeque<>(Arrays.asList(replies)));
        return this;
    }

    public String url() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public long count(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    /** Stops listening; later connections to its port are refused. */
    public void stop() {
        closed.countDown();
        server.stop(0);
    }

    @Override
    public void close() {
        stop();
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()), body));
            Reply reply = next(exchange.getRequestMethod() + " " + path);
            if (reply.hangs()) {
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Reply next(String key) {
        Deque<Reply> replies = script.get(key);
        if (replies == null) {
            return Reply.json(400, "{\"error_code\":0,\"message\":\"unscripted request " + key + "\"}");
        }
        synchronized (replies) {
            return replies.size() > 1 ? replies.poll() : replies.peek();
        }
    }
}
