-- jingyou-hub schema, version 1 (PostgreSQL 13 or later).
-- Applied by `jingyou-hub migrate` and on start, under an advisory lock.

-- The idempotency keys, in a table of their own: a unique constraint on the
-- partitioned `applications` would have to include the partition key.
CREATE TABLE app_ids (
    id          text PRIMARY KEY,
    branch      text NOT NULL,
    app_date    date NOT NULL,
    fingerprint text NOT NULL,
    receipt     text NOT NULL
);

-- Receipt counters, one row per branch (`HUB-<branch>-<n>`); the row lock
-- also orders the batches of one branch.
CREATE TABLE branch_seq (
    branch text PRIMARY KEY,
    n      bigint NOT NULL
);

-- The applications as received, partitioned by month of the application's
-- own date (partitions are created as months appear: applications_yYYYYmMM).
CREATE TABLE applications (
    id               text NOT NULL,
    branch           text NOT NULL,
    app_date         date NOT NULL,
    number           text NOT NULL,
    service          text NOT NULL,
    receipt          text NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    void_reason      text,
    void_at          text,
    void_received_at timestamptz,
    body             jsonb NOT NULL,
    PRIMARY KEY (id, app_date)
) PARTITION BY RANGE (app_date);

-- GET /v1/applications?branch=B&from=D&to=D: an index range, in order.
CREATE INDEX applications_branch_date ON applications (branch, app_date, id);

-- Tallies kept as counters in the same transaction as the insert (and the
-- void): GET /v1/tallies reads days × branches × services rows, never the
-- applications.
CREATE TABLE day_tally (
    app_date date NOT NULL,
    branch   text NOT NULL,
    service  text NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (app_date, branch, service)
);

-- tus uploads: offset and chunks in the database, so that any node can take
-- the next PATCH of an upload another node started.
CREATE TABLE uploads (
    id              text PRIMARY KEY,
    branch          text NOT NULL,
    application     text NOT NULL,
    filename        text NOT NULL,
    length          bigint NOT NULL,
    upload_offset   bigint NOT NULL,
    declared_sha256 text,
    sha256          text,
    created         text NOT NULL
);

CREATE TABLE upload_chunks (
    upload_id    text NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    chunk_offset bigint NOT NULL,
    data         bytea NOT NULL,
    PRIMARY KEY (upload_id, chunk_offset)
);
