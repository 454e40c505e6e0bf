-- 011: members hear from the library. Preferences live here, one row per member who changed one
-- (a member without a row has the defaults). Notices are made by jobs, each exactly once per
-- occasion: its `occasion` key is unique, so a runner killed mid-job or two runners at once
-- cannot make a second. A notice for a member with the webhook channel on gets a delivery and a
-- `webhook_delivery` job in the statement that inserts it; every attempt is recorded.

CREATE TABLE member_preferences (
    member_id             bigint PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    default_loan_days     integer NOT NULL CHECK (default_loan_days BETWEEN 1 AND 30),
    due_soon_days         integer NOT NULL CHECK (due_soon_days BETWEEN 0 AND 7),
    notify_overdue        boolean NOT NULL,
    notify_hold_available boolean NOT NULL,
    webhook_enabled       boolean NOT NULL,
    webhook_url           text CHECK (webhook_url ~ '^https?://' AND length(webhook_url) <= 2000),
    -- The signing secret sealed with a key of STACKS_WEBHOOK_KEYS (libsodium secretbox): `kid`,
    -- nonce and ciphertext. Sealed, not hashed, because signing needs the secret itself.
    webhook_secret_kid    text,
    webhook_secret_sealed bytea,
    webhook_secret_at     timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT member_preferences_webhook_needs_url CHECK (NOT webhook_enabled OR webhook_url IS NOT NULL),
    CONSTRAINT member_preferences_secret_whole
        CHECK ((webhook_secret_kid IS NULL) = (webhook_secret_sealed IS NULL)
               AND (webhook_secret_kid IS NULL) = (webhook_secret_at IS NULL))
);

-- Every member's preferences in effect: their row, or the defaults (the only place they are written).
CREATE VIEW preferences_in_effect AS
SELECT m.id AS member_id,
       coalesce(p.default_loan_days, 14) AS default_loan_days,
       coalesce(p.due_soon_days, 2) AS due_soon_days,
       coalesce(p.notify_overdue, true) AS notify_overdue,
       coalesce(p.notify_hold_available, true) AS notify_hold_available,
       coalesce(p.webhook_enabled, false) AS webhook_enabled,
       p.webhook_url, p.webhook_secret_kid, p.webhook_secret_sealed, p.webhook_secret_at,
       p.updated_at
FROM members m LEFT JOIN member_preferences p ON p.member_id = m.id;

CREATE TABLE notices (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('due_soon', 'overdue', 'hold_available', 'hold_expired')),
    loan_id    bigint REFERENCES loans (id) ON DELETE SET NULL,
    hold_id    bigint REFERENCES holds (id) ON DELETE SET NULL,
    book_id    bigint REFERENCES books (id) ON DELETE SET NULL,
    title      text NOT NULL,
    message    text NOT NULL,
    due_at     timestamptz,
    pickup_by  timestamptz,
    occasion   text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notices_member_idx ON notices (member_id, id DESC);
CREATE INDEX notices_member_unread_idx ON notices (member_id, id DESC) WHERE read_at IS NULL;

CREATE TABLE webhook_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id    bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    notice_id    bigint NOT NULL UNIQUE REFERENCES notices (id) ON DELETE CASCADE,
    event        text NOT NULL,
    body         text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
    attempts     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_member_idx ON webhook_deliveries (member_id, id DESC);

CREATE TABLE webhook_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    url          text NOT NULL,
    http_status  integer,
    error        text,
    duration_ms  integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- The time format of the API (UTC, seconds, Z), for the webhook bodies made here.
CREATE FUNCTION api_time(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- A new notice for a member whose webhook channel is on: its delivery (the body fixed now, so
-- every attempt sends the same bytes) and the job that sends it.
CREATE FUNCTION notices_deliver() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    delivery bigint;
BEGIN
    IF EXISTS (SELECT FROM member_preferences p WHERE p.member_id = NEW.member_id AND p.webhook_enabled) THEN
        INSERT INTO webhook_deliveries (member_id, notice_id, event, body)
        VALUES (NEW.member_id, NEW.id, 'notice.' || NEW.kind, '')
        RETURNING id INTO delivery;
        UPDATE webhook_deliveries SET body = jsonb_build_object(
            'id', delivery, 'type', 'notice.' || NEW.kind, 'created_at', api_time(NEW.created_at),
            'notice', jsonb_build_object(
                'id', NEW.id, 'kind', NEW.kind, 'title', NEW.title, 'message', NEW.message,
                'loan_id', NEW.loan_id, 'hold_id', NEW.hold_id, 'book_id', NEW.book_id,
                'due_at', api_time(NEW.due_at), 'pickup_by', api_time(NEW.pickup_by),
                'created_at', api_time(NEW.created_at)))::text
        WHERE id = delivery;
        INSERT INTO jobs (kind, payload, dedupe_key)
        VALUES ('webhook_delivery', jsonb_build_object('delivery_id', delivery), 'webhook_delivery:' || delivery);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER notices_deliver AFTER INSERT ON notices FOR EACH ROW EXECUTE FUNCTION notices_deliver();

-- Due-soon and overdue notices for every active loan that has reached one, per the member's
-- preferences: due soon once per due date (a renewal makes a new occasion), overdue at the due
-- time and then weekly, at most three, the latest one reached. Returns how many were made.
CREATE FUNCTION scan_loan_notices() RETURNS integer
LANGUAGE sql AS $$
    WITH prefs AS (
        SELECT l.id, l.member_id, l.book_id, l.book_title, l.due_at,
               p.due_soon_days, p.notify_overdue, extract(epoch FROM l.due_at)::bigint AS due_epoch
        FROM loans l JOIN preferences_in_effect p ON p.member_id = l.member_id
        WHERE l.returned_at IS NULL AND l.due_at <= now() + interval '7 days'
          -- the third overdue notice is due 14 days after the due time; a week's grace for a stopped queue
          AND l.due_at > now() - interval '21 days'
    ), due_soon AS (
        INSERT INTO notices (member_id, kind, loan_id, book_id, title, message, due_at, occasion)
        SELECT member_id, 'due_soon', id, book_id, book_title,
               format('"%s" is due back on %s UTC.', book_title, to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')),
               due_at, 'due_soon:' || id || ':' || due_epoch
        FROM prefs
        WHERE due_soon_days > 0 AND due_at > now() AND due_at <= now() + make_interval(days => due_soon_days)
        ORDER BY id
        ON CONFLICT (occasion) DO NOTHING
        RETURNING 1
    ), overdue AS (
        INSERT INTO notices (member_id, kind, loan_id, book_id, title, message, due_at, occasion)
        SELECT member_id, 'overdue', id, book_id, book_title,
               format('"%s" was due back on %s UTC and is overdue%s.', book_title,
                      to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                      CASE WHEN n > 1 THEN format(' (reminder %s of 3)', n) ELSE '' END),
               due_at, 'overdue:' || id || ':' || due_epoch || ':' || n
        FROM (SELECT *, least(3, floor(extract(epoch FROM now() - due_at) / 604800)::int + 1) AS n
              FROM prefs WHERE notify_overdue AND due_at <= now()) o
        ORDER BY id
        ON CONFLICT (occasion) DO NOTHING
        RETURNING 1
    )
    SELECT ((SELECT count(*) FROM due_soon) + (SELECT count(*) FROM overdue))::integer
$$;
CREATE INDEX loans_active_due_idx ON loans (due_at) WHERE returned_at IS NULL;

-- The notice of a hold's event, once: `hold_available` while its copy still waits on the shelf
-- (and the member wants it), `hold_expired` once it expired. Returns the notice's id, or null.
CREATE FUNCTION hold_notice(hold bigint, event text) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO notices (member_id, kind, hold_id, book_id, title, message, pickup_by, occasion)
    SELECT h.member_id, event, h.id, h.book_id, b.title,
           CASE event
               WHEN 'hold_available' THEN format('A copy of "%s" (barcode %s) waits for you on the hold shelf until %s UTC.',
                                                b.title, i.barcode,
                                                to_char(h.pickup_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))
               ELSE format('Your hold on "%s" expired: the copy was not picked up by %s UTC.', b.title,
                           to_char(h.pickup_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))
           END,
           h.pickup_expires_at, event || ':' || h.id
    FROM holds h JOIN books b ON b.id = h.book_id LEFT JOIN items i ON i.id = h.item_id
    JOIN preferences_in_effect p ON p.member_id = h.member_id
    WHERE h.id = hold
      AND CASE event
              WHEN 'hold_available' THEN h.status = 'awaiting_pickup' AND p.notify_hold_available
              WHEN 'hold_expired' THEN h.status = 'expired'
              ELSE false
          END
    ON CONFLICT (occasion) DO NOTHING
    RETURNING id
$$;

-- A hold captured or expired: a job makes its notice, outside the transaction that moved it.
CREATE FUNCTION holds_notice_job() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    event text := CASE NEW.status WHEN 'awaiting_pickup' THEN 'hold_available' ELSE 'hold_expired' END;
BEGIN
    INSERT INTO jobs (kind, payload, dedupe_key)
    VALUES ('hold_notice', jsonb_build_object('hold_id', NEW.id, 'event', event), 'hold_notice:' || event || ':' || NEW.id)
    ON CONFLICT (dedupe_key) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER holds_notice_job AFTER UPDATE OF status ON holds
FOR EACH ROW WHEN (NEW.status IN ('awaiting_pickup', 'expired') AND OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION holds_notice_job();
