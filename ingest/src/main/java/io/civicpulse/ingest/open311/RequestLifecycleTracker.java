package io.civicpulse.ingest.open311;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.civicpulse.schemas.services.RequestLifecycle;

/**
 * Turns the versions of requests that polling sees, again and again, into lifecycle transitions, each once:
 * a request is OPENED when first seen (and also CLOSED when it is first seen already closed), CLOSED when its
 * status turns closed, REOPENED when it turns open again, UPDATED when anything else changed its updated time.
 * A version seen before produces nothing, so polling the same data twice publishes nothing new.
 *
 * <p>Memory is bounded: a closed request is forgotten {@code closedRetention} after it closed. If it reappears
 * later, its OPENED and CLOSED events are derived again with the same deterministic event ids, which the
 * indicator engine's de-duplication absorbs.
 */
final class RequestLifecycleTracker {

    /** One transition to publish. */
    record Transition(RequestLifecycle lifecycle, Open311Request request, Instant closedAt) {
    }

    private record Seen(String status, Instant updatedAt, Instant closedAt) {
    }

    private final Map<String, Seen> seen = new HashMap<>();
    private final Duration closedRetention;

    RequestLifecycleTracker(Duration closedRetention) {
        this.closedRetention = closedRetention;
    }

    /** The transitions this version makes; call {@link #commit} once they are published. */
    List<Transition> transitions(Open311Request request) {
        Seen before = seen.get(request.id());
        List<Transition> transitions = new ArrayList<>(2);
        if (before == null) {
            transitions.add(new Transition(RequestLifecycle.OPENED, request, null));
            if (request.closed()) {
                transitions.add(new Transition(RequestLifecycle.CLOSED, request, request.updatedAt()));
            }
            return transitions;
        }
        boolean wasClosed = "closed".equalsIgnoreCase(before.status());
        if (before.status().equalsIgnoreCase(request.status()) && before.updatedAt().equals(request.updatedAt())) {
            return transitions;
        }
        if (!wasClosed && request.closed()) {
            transitions.add(new Transition(RequestLifecycle.CLOSED, request, request.updatedAt()));
        } else if (wasClosed && !request.closed()) {
            transitions.add(new Transition(RequestLifecycle.REOPENED, request, null));
        } else if (request.updatedAt().isAfter(before.updatedAt())) {
            transitions.add(new Transition(RequestLifecycle.UPDATED, request,
                    request.closed() ? before.closedAt() : null));
        }
        // An older version than the one already seen (an endpoint serving stale replicas) changes nothing.
        return transitions;
    }

    void commit(Open311Request request) {
        Seen before = seen.get(request.id());
        if (before != null && request.updatedAt().isBefore(before.updatedAt())) {
            return;
        }
        Instant closedAt = !request.closed() ? null
                : before != null && before.closedAt() != null ? before.closedAt() : request.updatedAt();
        seen.put(request.id(), new Seen(request.status(), request.updatedAt(), closedAt));
    }

    /** When the request closed, as first seen; null while open or unknown. */
    Instant closedAt(String id) {
        Seen s = seen.get(id);
        return s == null ? null : s.closedAt();
    }

    void forgetClosedBefore(Instant now) {
        Instant cutoff = now.minus(closedRetention);
        seen.values().removeIf(s -> s.closedAt() != null && s.closedAt().isBefore(cutoff));
    }

    int size() {
        return seen.size();
    }
}
