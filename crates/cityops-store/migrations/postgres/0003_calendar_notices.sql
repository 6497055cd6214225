-- State Council holiday notices loaded at run time (`calendar import`, POST /api/v1/calendar/notices),
-- one row per year, in the calendar file format (one [[year]] table). They override the notices
-- bundled with the release; years with neither use the statutory rule.
CREATE TABLE calendar_notices (
    year      INTEGER PRIMARY KEY,
    text      TEXT    NOT NULL,
    loaded_ms BIGINT  NOT NULL,
    loaded_by TEXT    NOT NULL
);
