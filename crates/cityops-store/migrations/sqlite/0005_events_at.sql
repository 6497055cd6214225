-- Events by their time: on start the service replays the recent feed events (GPS fixes, sensor
-- readings, video detections) through its rules to rebuild their state.
CREATE INDEX events_at ON events (at_ms);
