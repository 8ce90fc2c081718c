package io.civicpulse.serving.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import io.civicpulse.streams.results.CityPartitions;
import io.civicpulse.streams.results.IndicatorResultsProcessor;

/**
 * Which instance answers for a city, and the request that asks it. A city's results all live in the task of the
 * city's partition; Kafka Streams knows which instance runs it ({@code queryMetadataForKey}, from every instance's
 * {@code application.server}). A forwarded request carries {@link #FORWARDED} and is answered from local stores
 * only, so two instances with different views during a rebalance cannot bounce a request between them.
 */
final class InstanceRouter {

    static final String FORWARDED = "X-Civicpulse-Forwarded";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Answer of another instance, passed on as it came. */
    record Remote(int status, String body, String contentType) {
    }

    /** Where a city's results are: here, there, or not known while the instances rebalance. */
    sealed interface Owner {
        /** This instance; {@code partition} is the city's, -1 when the request was forwarded here. */
        record Here(int partition) implements Owner {
        }

        record There(HostInfo host) implements Owner {
        }

        record Unknown() implements Owner {
        }
    }

    private final KafkaStreams streams;
    private final HostInfo self;
    private final String readToken;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    InstanceRouter(KafkaStreams streams, HostInfo self, String readToken) {
        this.streams = streams;
        this.self = self;
        this.readToken = readToken;
    }

    Owner ownerOf(String city) {
        KeyQueryMetadata metadata = streams.queryMetadataForKey(IndicatorResultsProcessor.LATEST_STORE, city,
                CityPartitions.byCity());
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
            return new Owner.Unknown();
        }
        return metadata.activeHost().equals(self) ? new Owner.Here(metadata.partition())
                : new Owner.There(metadata.activeHost());
    }

    /** The other instances of the application, each asked once in a scatter-gather. */
    List<HostInfo> others() {
        List<HostInfo> hosts = new ArrayList<>();
        for (StreamsMetadata metadata : streams.metadataForAllStreamsClients()) {
            if (!metadata.hostInfo().equals(self) && !hosts.contains(metadata.hostInfo())) {
                hosts.add(metadata.hostInfo());
            }
        }
        return hosts;
    }

    /** The same request (path and query) asked of {@code host}; empty when it cannot be reached in time. */
    Optional<Remote> ask(HostInfo host, String pathAndQuery) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port()
                        + pathAndQuery))
                .timeout(TIMEOUT).header(FORWARDED, "1").GET();
        if (readToken != null) {
            request.header("Authorization", "Bearer " + readToken);
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return Optional.of(new Remote(response.statusCode(), response.body(),
                    response.headers().firstValue("Content-Type").orElse("application/json")));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
