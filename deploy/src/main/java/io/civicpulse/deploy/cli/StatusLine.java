package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A long-running command's heartbeat: prints its status when it changed, until the command stops. */
final class StatusLine {

    private StatusLine() {
    }

    static void every(Duration period, PrintWriter out, Supplier<String> status, CountDownLatch stopped)
            throws InterruptedException {
        String last = null;
        while (!stopped.await(period.toMillis(), TimeUnit.MILLISECONDS)) {
            String now = status.get();
            if (!Objects.equals(now, last)) {
                out.println(now);
                out.flush();
                last = now;
            }
        }
    }
}
