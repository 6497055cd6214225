-- The answers of writes sent with an Idempotency-Key header, so that a client retrying after a
-- lost acknowledgement gets the first answer back instead of acting twice. Keyed by who asked
-- (the token's hash), the endpoint and the key; the request's hash tells a reused key from a
-- retry. Kept a day (older rows are removed as new ones arrive).
CREATE TABLE idempotent_answers (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT    NOT NULL,
    at_ms        BIGINT  NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotent_answers_at ON idempotent_answers (at_ms);
