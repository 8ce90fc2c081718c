/**
 * Recording a city's feeds and replaying them: to reproduce a recorded day (a bad-input day included) through the
 * real pollers, and for what-if runs at a chosen speed.
 *
 * <h2>The recording format</h2>
 * A recording is a folder with one folder per city (named by the city id), holding each feed's snapshots as the
 * server sent them, named by when they were fetched (UTC epoch milliseconds):
 * <pre>
 *   {dir}/{city}/gtfs.zip                                   GTFS static, from the start of the recording
 *   {dir}/{city}/gtfs-{epochMillis}.zip                     GTFS static as it changed later (optional, any number)
 *   {dir}/{city}/trip-updates/{epochMillis}.pb              GTFS-Realtime FeedMessage
 *   {dir}/{city}/vehicle-positions/{epochMillis}.pb
 *   {dir}/{city}/alerts/{epochMillis}.pb
 *   {dir}/{city}/gbfs-v3/{file}/{epochMillis}.json          GBFS 3.x: gbfs (discovery), station_status, ...
 *   {dir}/{city}/gbfs-v2/{file}/{epochMillis}.json          GBFS 1.x/2.x: gbfs, free_bike_status, ...
 * </pre>
 * A feed has a new snapshot only when its content changed: a recorder fetches with conditional GET and does not
 * store an answer equal to the last one (GBFS discovery and information files are compared without their
 * {@code last_updated} and {@code ttl}, which some servers restamp on every answer). Files ending in {@code .part}
 * are being written and are ignored. Anything else that does not fit the layout is skipped with a warning when
 * the recording is read. Snapshot bytes are never checked: a snapshot that is not valid protobuf or JSON is served
 * as it is, and the pollers dead-letter it, exactly as on the day it was recorded.
 *
 * <h2>Replay</h2>
 * {@link io.civicpulse.ingest.replay.ReplayServer} serves a recording at the simulator's paths
 * ({@code /{city}/gtfs.zip}, {@code /{city}/gtfs-rt/trip-updates.pb}, {@code /{city}/gbfs/v3/gbfs.json}, ...),
 * each answering the latest snapshot fetched at or before the replay clock, with ETag, Last-Modified and 304.
 * GBFS discovery documents are rewritten to point at the replay. The clock starts at the first snapshot and runs
 * at a speed factor, or as fast as possible: it moves to the next snapshot time as soon as every polled feed
 * (GTFS-Realtime, GBFS status files) has been fetched at the snapshot that would be superseded, so the pollers
 * see each snapshot of the feeds they poll once, in order.
 *
 * <p>{@link io.civicpulse.ingest.replay.FeedRecorder} writes recordings, from any set of feed URLs or from the
 * built-in simulator for a simulated span; {@link io.civicpulse.ingest.replay.Recording} reads them.
 * {@code civicpulse record} and {@code civicpulse replay} are the command-line front ends.
 */
package io.civicpulse.ingest.replay;
