-- Penalty files (执法案卷) and the counters that number them and their documents.
CREATE TABLE enforcement_files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    file_no       TEXT    NOT NULL UNIQUE,
    version       INTEGER NOT NULL,
    matter        TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    district_code TEXT    NOT NULL,
    case_id       INTEGER,
    is_open       INTEGER NOT NULL,
    registered_ms INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    doc           TEXT    NOT NULL
);
CREATE INDEX enforcement_files_district ON enforcement_files (district_code, updated_ms);
CREATE INDEX enforcement_files_case ON enforcement_files (case_id);
CREATE INDEX enforcement_files_open ON enforcement_files (is_open, updated_ms);

CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);
