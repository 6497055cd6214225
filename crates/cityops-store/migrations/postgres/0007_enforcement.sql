-- Penalty files (执法案卷) and the counters that number them and their documents.
CREATE TABLE enforcement_files (
    id            BIGSERIAL PRIMARY KEY,
    file_no       TEXT             NOT NULL UNIQUE,
    version       BIGINT           NOT NULL,
    matter        TEXT             NOT NULL,
    stage         TEXT             NOT NULL,
    status        TEXT             NOT NULL,
    district_code TEXT             NOT NULL,
    case_id       BIGINT,
    is_open       BIGINT           NOT NULL,
    registered_ms BIGINT           NOT NULL,
    updated_ms    BIGINT           NOT NULL,
    doc           TEXT             NOT NULL,
    geom          geometry(Point, 4326) NOT NULL
);
CREATE INDEX enforcement_files_district ON enforcement_files (district_code, updated_ms);
CREATE INDEX enforcement_files_case ON enforcement_files (case_id);
CREATE INDEX enforcement_files_open ON enforcement_files (is_open, updated_ms);
CREATE INDEX enforcement_files_geom ON enforcement_files USING GIST (geom);

CREATE TABLE counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);
