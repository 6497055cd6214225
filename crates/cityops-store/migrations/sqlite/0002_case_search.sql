-- Free-text search over cases (`q` of the case list): case number, address, description, camera
-- and source reference, lower-cased, kept current by every write of a case.
ALTER TABLE cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE cases SET search = lower(
    case_no || char(10) ||
    COALESCE(json_extract(doc, '$.address'), '') || char(10) ||
    COALESCE(json_extract(doc, '$.description'), '') || char(10) ||
    COALESCE(json_extract(doc, '$.camera_id'), '') || char(10) ||
    COALESCE(json_extract(doc, '$.source_ref'), ''));
