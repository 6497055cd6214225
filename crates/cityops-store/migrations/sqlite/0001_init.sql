-- cityops schema, SQLite dialect. Timestamps are epoch milliseconds (UTC); documents are the
-- cityops-api JSON of the row (the wire contract is the storage contract).
CREATE TABLE cases (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_no       TEXT    NOT NULL UNIQUE,
    version       INTEGER NOT NULL,
    type_kind     TEXT    NOT NULL,
    type_code     TEXT    NOT NULL,
    channel       TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    lon           REAL    NOT NULL,
    lat           REAL    NOT NULL,
    grid_code     TEXT    NOT NULL,
    district_code TEXT    NOT NULL,
    unit_code     TEXT,
    deadline_ms   INTEGER,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    doc           TEXT    NOT NULL
);
CREATE INDEX cases_grid ON cases (grid_code);
CREATE INDEX cases_district_created ON cases (district_code, created_ms);
CREATE INDEX cases_created ON cases (created_ms);
CREATE INDEX cases_lonlat ON cases (lon, lat);
CREATE INDEX cases_unit ON cases (unit_code);
CREATE INDEX cases_status_deadline ON cases (status, deadline_ms);

CREATE TABLE ingest_keys (
    source   TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    case_id  INTEGER,
    event_id INTEGER,
    at_ms    INTEGER NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE events (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    kind  TEXT    NOT NULL,
    body  TEXT    NOT NULL
);

CREATE TABLE vehicles (
    id          TEXT PRIMARY KEY,
    lon         REAL    NOT NULL,
    lat         REAL    NOT NULL,
    speed_kmh   REAL    NOT NULL,
    heading_deg REAL    NOT NULL,
    at_ms       INTEGER NOT NULL
);

CREATE TABLE sensors (
    id       TEXT    NOT NULL,
    quantity TEXT    NOT NULL,
    value    REAL    NOT NULL,
    unit     TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL,
    PRIMARY KEY (id, quantity)
);

CREATE TABLE tokens (
    hash          TEXT PRIMARY KEY,
    role          TEXT    NOT NULL,
    district_code TEXT,
    label         TEXT    NOT NULL,
    created_ms    INTEGER NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms  INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    role   TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL,
    remote TEXT    NOT NULL
);
CREATE INDEX audit_at ON audit (at_ms);
