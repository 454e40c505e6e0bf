-- 004: conversations. The id is the client's (per member); messages carry consecutive sequence
-- numbers, unique per conversation, and the assistant's structured metadata (listed book ids, …)
-- so later turns resolve references from the stored history alone.

CREATE TABLE conversations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]{1,64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, name)
);
CREATE INDEX conversations_member_idx ON conversations (member_id, id DESC);

CREATE TABLE messages (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             integer NOT NULL CHECK (seq >= 1),
    role            text NOT NULL CHECK (role IN ('user', 'assistant')),
    content         text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
    meta            jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq)
);
