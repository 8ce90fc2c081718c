package io.civicpulse.ingest.replay;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Points a recorded GBFS discovery document at the replay: {@code gbfs.json} lists absolute URLs of the server it
 * was recorded from (a simulator long gone, or a real operator whose live data must not leak into a replay), so
 * every listed file is re-pointed at the replay's path for it, and {@code gbfs_versions.json} at the replay's
 * discovery of each version. A document that is not readable JSON is left as it is: the poller dead-letters it,
 * as it would have on the day.
 */
final class GbfsLinks {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private GbfsLinks() {
    }

    /**
     * @param gbfsRoot the replay's URL of this city's GBFS, e.g. {@code http://127.0.0.1:8090/sofia/gbfs}
     * @return the document with its links re-pointed, or {@code body} itself when it has none or cannot be read
     */
    static byte[] rewrite(byte[] body, int version, String file, String gbfsRoot) {
        if (!file.equals("gbfs") && !file.equals("gbfs_versions")) {
            return body;
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return body;
        }
        if (root == null || !root.isObject()) {
            return body;
        }
        JsonNode data = root.path("data");
        boolean changed = false;
        if (file.equals("gbfs")) {
            // v3 lists data.feeds; v1/v2 list data.{language}.feeds.
            if (data.path("feeds").isArray()) {
                changed = repoint(data.path("feeds"), version, gbfsRoot);
            } else {
                for (JsonNode language : data) {
                    changed |= repoint(language.path("feeds"), version, gbfsRoot);
                }
            }
        } else {
            for (JsonNode v : data.path("versions")) {
                if (v instanceof ObjectNode entry && v.hasNonNull("version")) {
                    int major = v.path("version").asText().startsWith("3") ? 3 : 2;
                    entry.put("url", gbfsRoot + "/v" + major + "/gbfs.json");
                    changed = true;
                }
            }
        }
        if (!changed) {
            return body;
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            return body;
        }
    }

    private static boolean repoint(JsonNode feeds, int version, String gbfsRoot) {
        boolean changed = false;
        for (JsonNode f : feeds) {
            String name = f.path("name").asText("");
            if (f instanceof ObjectNode entry && RecordingLayout.GBFS_FILE.matcher(name).matches()) {
                entry.put("url", gbfsRoot + "/v" + version + "/" + name + ".json");
                changed = true;
            }
        }
        return changed;
    }
}
