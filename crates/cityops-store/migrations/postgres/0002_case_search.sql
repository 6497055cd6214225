-- Free-text search over cases (`q` of the case list): case number, address, description, camera
-- and source reference, lower-cased, kept current by every write of a case.
ALTER TABLE cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE cases SET search = lower(
    case_no || chr(10) ||
    COALESCE(doc::jsonb ->> 'address', '') || chr(10) ||
    COALESCE(doc::jsonb ->> 'description', '') || chr(10) ||
    COALESCE(doc::jsonb ->> 'camera_id', '') || chr(10) ||
    COALESCE(doc::jsonb ->> 'source_ref', ''));
