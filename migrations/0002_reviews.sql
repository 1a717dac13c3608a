-- jingyou-hub schema, version 2: the vehicle office's review states.

-- The state now, next to the idempotency key (the office's work list reads
-- it without the partitions).
ALTER TABLE app_ids ADD COLUMN review_state text NOT NULL DEFAULT 'received';
CREATE INDEX app_ids_review_state ON app_ids (review_state, branch);

-- Every change of state, once (review_id), numbered in the order they
-- committed (`seq`, given under an advisory lock): an application's history
-- and, per branch, the feed of GET /v1/changes?since=seq.
CREATE TABLE reviews (
    seq       bigint PRIMARY KEY,
    review_id text NOT NULL UNIQUE,
    app_id    text NOT NULL REFERENCES app_ids (id),
    branch    text NOT NULL,
    state     text NOT NULL,
    note      text,
    result    text,
    materials jsonb NOT NULL DEFAULT '[]',
    office    text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_branch_seq ON reviews (branch, seq);
CREATE INDEX reviews_app_seq ON reviews (app_id, seq);
