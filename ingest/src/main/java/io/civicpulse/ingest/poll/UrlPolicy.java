package io.civicpulse.ingest.poll;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

import io.civicpulse.ingest.city.FeedEndpoint;

/**
 * Where a feed may send ingest besides the URL the city file gave it. Feeds are data from outside: a GBFS
 * discovery file listing {@code file:///proc/self/environ} or a redirect to a metadata service must not make
 * ingest read local files or reach hosts nobody chose, and copy the answer into dead letters and recordings. A URL
 * a feed lists or redirects to is therefore used only when it is http(s) and on the feed's own host or on a host
 * of the feed's {@link FeedEndpoint#allowedHosts()}. The one class every fetching path asks: the fetcher for
 * redirects, the GBFS poller and the recorder for listed files.
 */
public final class UrlPolicy {

    /** The reason code of a refused URL, in metrics and dead letters. */
    public static final String NOT_ALLOWED = "url.not-allowed";

    private UrlPolicy() {
    }

    /** Whether the feed may follow {@code candidate}, an absolute URL it listed or redirected to. */
    public static boolean allows(FeedEndpoint feed, URI candidate) {
        String scheme = candidate.getScheme() == null ? "" : candidate.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return false;
        }
        String host = candidate.getHost();
        if (host == null || candidate.getRawUserInfo() != null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.equalsIgnoreCase(feed.url().getHost())) {
            return true;
        }
        for (String allowed : feed.allowedHosts()) {
            if (allowed.startsWith("*.") ? host.endsWith(allowed.substring(1)) : host.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The feed at a URL it listed ({@code listed} may be relative to the feed's URL), once the policy allows it.
     *
     * @throws FetchException {@value #NOT_ALLOWED} when it is not http(s) on an allowed host, or not a URL at all
     */
    public static FeedEndpoint listed(FeedEndpoint feed, URI base, String listed) throws FetchException {
        URI url;
        try {
            url = base.resolve(listed);
        } catch (IllegalArgumentException e) {
            throw new FetchException("url.invalid", feed.url() + " lists '" + listed + "', which is not a URL", null,
                    Map.of("url", feed.url().toString()), e);
        }
        check(feed, url, "lists");
        return feed.at(url);
    }

    /** Refuses a redirect target the policy does not allow. */
    static void checkRedirect(FeedEndpoint feed, URI target) throws FetchException {
        check(feed, target, "redirects to");
    }

    private static void check(FeedEndpoint feed, URI url, String verb) throws FetchException {
        if (!allows(feed, url)) {
            throw new FetchException(NOT_ALLOWED, "feed " + feed.id() + " " + verb + " " + url + ", which is not an "
                    + "http(s) URL on " + feed.url().getHost() + " or a host its allowed-hosts name", null,
                    Map.of("url", url.toString(), "feedUrl", feed.url().toString()), null);
        }
    }
}
