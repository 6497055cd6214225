-- Frames of the city kept for replay: the live map's state (cases on the map, vehicles' last
-- fixes, the day's alerts) as of event `event_id`, taken at `at_ms`; `body` is the frame's JSON,
-- deflate-compressed. The picture at any instant is the latest frame before it plus the events
-- since. Pruned with the events they stand for once older than the retention.
CREATE TABLE snapshots (
    event_id INTEGER PRIMARY KEY,
    at_ms    INTEGER NOT NULL,
    body     BLOB    NOT NULL
);
CREATE INDEX snapshots_at ON snapshots (at_ms);
-- Alerts of a period (the briefing's hotspots) without reading the period's GPS fixes.
CREATE INDEX events_kind_at ON events (kind, at_ms);
