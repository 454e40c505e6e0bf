-- 003: loans (the demo's borrow records) and idempotency keys. A loan holds one numbered copy;
-- a partial unique index makes two active loans of the same copy impossible, and the book's
-- available_copies counter (0..copies) is moved in the same transaction as the loan.

CREATE TABLE loans (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book_id       bigint REFERENCES books (id) ON DELETE SET NULL,
    member_id     bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    copy_no       integer NOT NULL CHECK (copy_no >= 1),
    book_title    text NOT NULL,
    borrower_name text NOT NULL CHECK (length(borrower_name) BETWEEN 1 AND 200),
    borrowed_at   timestamptz NOT NULL DEFAULT now(),
    due_at        timestamptz NOT NULL,
    returned_at   timestamptz,
    renewals      integer NOT NULL DEFAULT 0 CHECK (renewals >= 0),
    CONSTRAINT loans_due_after_borrowed CHECK (due_at > borrowed_at),
    CONSTRAINT loans_returned_after_borrowed CHECK (returned_at IS NULL OR returned_at >= borrowed_at)
);
CREATE UNIQUE INDEX loans_one_active_per_copy ON loans (book_id, copy_no) WHERE returned_at IS NULL;
CREATE INDEX loans_member_idx ON loans (member_id, id DESC);

-- Ids of deleted books, so that a repeated DELETE (a retry) answers as the first one did.
CREATE TABLE deleted_books (
    id         bigint PRIMARY KEY,
    deleted_at timestamptz NOT NULL DEFAULT now()
);

-- A key is claimed by inserting its row and completed with the response in the same
-- transaction, so a committed row always carries a response and a killed worker's claim vanishes.
CREATE TABLE idempotency_keys (
    principal   text NOT NULL,
    key         text NOT NULL CHECK (key ~ '^[ -~]{1,255}$'),
    fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    status      integer CHECK (status BETWEEN 100 AND 599),
    headers     text,
    body        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key),
    CONSTRAINT idempotency_keys_complete CHECK ((status IS NULL) = (body IS NULL) AND (status IS NULL) = (headers IS NULL))
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
