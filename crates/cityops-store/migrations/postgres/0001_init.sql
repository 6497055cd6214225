-- cityops schema, PostgreSQL + PostGIS dialect. Timestamps are epoch milliseconds (UTC); documents
-- are the cityops-api JSON of the row. Case locations are also a PostGIS point (EPSG:4326) with a
-- GiST index for bbox and distance queries.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE cases (
    id            BIGSERIAL PRIMARY KEY,
    case_no       TEXT             NOT NULL UNIQUE,
    version       BIGINT           NOT NULL,
    type_kind     TEXT             NOT NULL,
    type_code     TEXT             NOT NULL,
    channel       TEXT             NOT NULL,
    stage         TEXT             NOT NULL,
    status        TEXT             NOT NULL,
    lon           DOUBLE PRECISION NOT NULL,
    lat           DOUBLE PRECISION NOT NULL,
    geom          geometry(Point, 4326) NOT NULL,
    grid_code     TEXT             NOT NULL,
    district_code TEXT             NOT NULL,
    unit_code     TEXT,
    deadline_ms   BIGINT,
    created_ms    BIGINT           NOT NULL,
    updated_ms    BIGINT           NOT NULL,
    doc           TEXT             NOT NULL
);
CREATE INDEX cases_geom ON cases USING GIST (geom);
CREATE INDEX cases_grid ON cases (grid_code text_pattern_ops);
CREATE INDEX cases_district_created ON cases (district_code, created_ms);
CREATE INDEX cases_created ON cases (created_ms);
CREATE INDEX cases_unit ON cases (unit_code);
CREATE INDEX cases_status_deadline ON cases (status, deadline_ms);

CREATE TABLE ingest_keys (
    source   TEXT   NOT NULL,
    key      TEXT   NOT NULL,
    case_id  BIGINT,
    event_id BIGINT,
    at_ms    BIGINT NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE events (
    id    BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    kind  TEXT   NOT NULL,
    body  TEXT   NOT NULL
);

CREATE TABLE vehicles (
    id          TEXT PRIMARY KEY,
    lon         DOUBLE PRECISION NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    geom        geometry(Point, 4326) NOT NULL,
    speed_kmh   DOUBLE PRECISION NOT NULL,
    heading_deg DOUBLE PRECISION NOT NULL,
    at_ms       BIGINT NOT NULL
);
CREATE INDEX vehicles_geom ON vehicles USING GIST (geom);

CREATE TABLE sensors (
    id       TEXT             NOT NULL,
    quantity TEXT             NOT NULL,
    value    DOUBLE PRECISION NOT NULL,
    unit     TEXT             NOT NULL,
    at_ms    BIGINT           NOT NULL,
    PRIMARY KEY (id, quantity)
);

CREATE TABLE tokens (
    hash          TEXT PRIMARY KEY,
    role          TEXT   NOT NULL,
    district_code TEXT,
    label         TEXT   NOT NULL,
    created_ms    BIGINT NOT NULL,
    revoked       BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE audit (
    id     BIGSERIAL PRIMARY KEY,
    at_ms  BIGINT NOT NULL,
    actor  TEXT   NOT NULL,
    role   TEXT   NOT NULL,
    action TEXT   NOT NULL,
    target TEXT   NOT NULL,
    detail TEXT   NOT NULL,
    remote TEXT   NOT NULL
);
CREATE INDEX audit_at ON audit (at_ms);
