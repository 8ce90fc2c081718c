package io.civicpulse.schemas.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads a response body into memory with a size cap and a deadline on the whole transfer, for the bodies parsed at
 * once (registry answers, Open311 pages, district GeoJSON): an HTTP client's timeout ends when the headers arrive,
 * and a server that sends without end, or a byte a minute, must cost neither the heap nor the caller's thread.
 */
public final class BoundedRead {

    /** The body is larger than the cap; nothing past the cap was read. */
    public static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(long max) {
            super("more than " + max + " bytes");
        }
    }

    /** The deadline passed before the body was complete. */
    public static final class TooSlow extends IOException {
        private static final long serialVersionUID = 1L;

        TooSlow(Duration deadline, IOException cause) {
            super("not complete within " + deadline.toMillis() + " ms", cause);
        }
    }

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "civicpulse-body-deadline");
        t.setDaemon(true);
        return t;
    });

    private BoundedRead() {
    }

    /** Reads {@code in} to its end and closes it. */
    public static byte[] read(InputStream in, long maxBytes, Duration deadline) throws IOException {
        AtomicBoolean expired = new AtomicBoolean();
        // Closing the stream is the one way to unblock a read that waits on a stalled server.
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
            expired.set(true);
            try {
                in.close();
            } catch (IOException ignored) {
                // The reader fails either way.
            }
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(chunk)) >= 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw new TooLarge(maxBytes);
                }
                out.write(chunk, 0, n);
            }
            if (expired.get()) {
                throw new TooSlow(deadline, null);
            }
            return out.toByteArray();
        } catch (TooLarge e) {
            throw e;
        } catch (IOException e) {
            if (expired.get()) {
                throw new TooSlow(deadline, e);
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }
}
