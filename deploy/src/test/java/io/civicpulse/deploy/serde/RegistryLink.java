package io.civicpulse.deploy.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link on 127.0.0.1 to the real registry that a test can cut: a client configured with {@link #url()} talks
 * to the real registry until {@link #cut()}, after which the port is closed and every open connection is gone,
 * exactly as when a registry host goes away. It lets a test warm a client's caches against the real registry and
 * then take the network away from that same client.
 */
final class RegistryLink implements AutoCloseable {

    private final ServerSocket server;
    private final URI target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private RegistryLink(URI target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "registry-link-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A link to the registry behind {@code registryUrl}, on a port of its own. */
    static RegistryLink to(String registryUrl) throws IOException {
        return new RegistryLink(URI.create(registryUrl));
    }

    /** The registry URL as seen through the link: same path, the link's port. */
    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + target.getRawPath();
    }

    /** Closes the port and drops every connection; nothing reaches the registry through the link again. */
    void cut() {
        try {
            server.close();
        } catch (IOException e) {
            // Already closed: the link is cut either way.
        }
        sockets.forEach(RegistryLink::closeQuietly);
    }

    @Override
    public void close() {
        cut();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Socket registry = new Socket(target.getHost(), target.getPort());
                sockets.add(registry);
                if (server.isClosed()) {
                    // cut() ran while this connection was being set up, and may have missed its sockets.
                    closeQuietly(client);
                    closeQuietly(registry);
                    return;
                }
                pump(client, registry);
                pump(registry, client);
            } catch (IOException e) {
                // The server socket was closed by cut(), or the registry refused: the client sees a dropped
                // connection either way, which is what the test wants it to see.
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // One side closed; the other is closed below.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "registry-link-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing left to release.
        }
    }
}
