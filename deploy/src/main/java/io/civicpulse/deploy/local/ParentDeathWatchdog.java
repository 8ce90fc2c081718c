package io.civicpulse.deploy.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a child process when this JVM dies. Shutdown hooks cover SIGINT and SIGTERM, but not SIGKILL or a JVM
 * crash; without this, a killed {@code civicpulse local} would leave the registry holding its port. The JDK
 * offers no parent-death signal, so a tiny shell loop watches this JVM's pid and kills the child after it.
 */
final class ParentDeathWatchdog {

    private static final Logger log = LoggerFactory.getLogger(ParentDeathWatchdog.class);

    private ParentDeathWatchdog() {
    }

    /** Returns the watchdog process, or null where there is no POSIX shell (the shutdown hook still applies). */
    static Process guard(long childPid) {
        Path sh = Path.of("/bin/sh");
        if (!Files.isExecutable(sh)) {
            return null;
        }
        long parentPid = ProcessHandle.current().pid();
        String script = "while kill -0 " + parentPid + " 2>/dev/null && kill -0 " + childPid + " 2>/dev/null;"
                + " do sleep 1; done; kill " + childPid + " 2>/dev/null;"
                + " i=0; while [ $i -lt 10 ] && kill -0 " + childPid + " 2>/dev/null; do sleep 1; i=$((i+1)); done;"
                + " kill -9 " + childPid + " 2>/dev/null; exit 0";
        try {
            return new ProcessBuilder(sh.toString(), "-c", script)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            log.warn("cannot start the watchdog for pid {}; it will be stopped only by a clean shutdown", childPid, e);
            return null;
        }
    }
}
