-- 010: circulation as a library runs it. A book's copies become items with barcodes and a status;
-- a loan belongs to an item; members queue for a title with holds; pending work waits in `jobs`.
-- The rules live here, in constraints, triggers and a few functions the workers call, so that no
-- worker can break them by checking first and writing after:
-- * `books.copies` (items available, on loan or on the hold shelf) and `books.available_copies`
--   (items available) are moved by a trigger on `items` in the statement that moves the item, and
--   checked against the items at commit;
-- * an item is `on_loan` exactly when one active loan holds it, and `on_hold_shelf` exactly when
--   one hold awaiting pickup holds it (checked at commit);
-- * a fulfilled hold names a loan of its own member (the held copy goes to nobody else);
-- * a member has one open hold per book, and an item is held by one hold at a time;
-- * a waiting hold's position is its rank in the book's queue of waiting holds (by id, assigned
--   under the book's row lock), so positions are 1..n with no gap or repeat by construction.
-- Every transaction that changes items, loans or holds of a book locks the book's row first.

CREATE SEQUENCE item_barcodes;
CREATE FUNCTION next_item_barcode() RETURNS text
LANGUAGE sql AS $$ SELECT 'S' || lpad(nextval('item_barcodes')::text, 10, '0') $$;

CREATE TABLE items (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book_id    bigint NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    -- Generated barcodes are S + 10 digits; a barcode given by a librarian may not take that form.
    barcode    text NOT NULL UNIQUE DEFAULT next_item_barcode()
               CHECK (barcode ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,39}$'),
    status     text NOT NULL DEFAULT 'available'
               CHECK (status IN ('available', 'on_loan', 'on_hold_shelf', 'lost', 'withdrawn')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_book_status_idx ON items (book_id, status, id);

-- Every copy becomes an item; active loans are numbered per book and each takes the item of its
-- rank, so no loan is lost even where the counters had drifted (a book with more active loans
-- than copies gets an item for each).
INSERT INTO items (book_id, barcode, status)
SELECT b.id, b.isbn || '-' || n, 'available'
FROM books b, generate_series(1, greatest(b.copies, (SELECT count(*) FROM loans l
                                                     WHERE l.book_id = b.id AND l.returned_at IS NULL))) AS n
ORDER BY b.id, n;

-- A loan keeps the barcode of the copy it lent, as it keeps the book's title: records read
-- without a join, and the history outlives the item. (Barcodes never change.)
ALTER TABLE loans ADD COLUMN item_id bigint REFERENCES items (id) ON DELETE SET NULL, ADD COLUMN barcode text;
WITH ranked AS (
    SELECT l.id, l.book_id, row_number() OVER (PARTITION BY l.book_id ORDER BY l.id) AS n
    FROM loans l WHERE l.returned_at IS NULL AND l.book_id IS NOT NULL
)
UPDATE loans SET item_id = i.id, barcode = i.barcode
FROM ranked r JOIN books b ON b.id = r.book_id JOIN items i ON i.barcode = b.isbn || '-' || r.n
WHERE loans.id = r.id;
UPDATE items SET status = 'on_loan' WHERE id IN (SELECT item_id FROM loans WHERE returned_at IS NULL AND item_id IS NOT NULL);
UPDATE books b SET copies = c.copies, available_copies = c.available
FROM (SELECT book_id, count(*) AS copies, count(*) FILTER (WHERE status = 'available') AS available
      FROM items GROUP BY book_id) c
WHERE b.id = c.book_id AND (b.copies, b.available_copies) IS DISTINCT FROM (c.copies, c.available);

DROP INDEX loans_one_active_per_copy;
ALTER TABLE loans DROP COLUMN copy_no;
CREATE UNIQUE INDEX loans_one_active_per_item ON loans (item_id) WHERE returned_at IS NULL;
CREATE INDEX loans_item_idx ON loans (item_id, id DESC);

-- The book's counters follow its items.
CREATE FUNCTION items_move_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.book_id = NEW.book_id THEN
        -- One row version of the book per item change: the difference in one statement.
        UPDATE books
        SET copies = copies + (NEW.status IN ('available', 'on_loan', 'on_hold_shelf'))::int
                            - (OLD.status IN ('available', 'on_loan', 'on_hold_shelf'))::int,
            available_copies = available_copies + (NEW.status = 'available')::int - (OLD.status = 'available')::int,
            updated_at = now()
        WHERE id = NEW.book_id;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE books
        SET copies = copies - (OLD.status IN ('available', 'on_loan', 'on_hold_shelf'))::int,
            available_copies = available_copies - (OLD.status = 'available')::int, updated_at = now()
        WHERE id = OLD.book_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE books
        SET copies = copies + (NEW.status IN ('available', 'on_loan', 'on_hold_shelf'))::int,
            available_copies = available_copies + (NEW.status = 'available')::int, updated_at = now()
        WHERE id = NEW.book_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER items_counters AFTER INSERT OR DELETE OR UPDATE OF status, book_id ON items
FOR EACH ROW EXECUTE FUNCTION items_move_counters();

-- A book inserted the way earlier seeds did (`copies = N`) gets N available items with generated
-- barcodes, so psql seeds of the old form keep working; the counters then come from the items.
CREATE FUNCTION books_copies_as_items() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.copies > 0 THEN
        UPDATE books SET copies = 0, available_copies = 0 WHERE id = NEW.id;
        INSERT INTO items (book_id) SELECT NEW.id FROM generate_series(1, NEW.copies);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER books_copies_as_items AFTER INSERT ON books
FOR EACH ROW EXECUTE FUNCTION books_copies_as_items();

-- At commit, a book's counters are what its items say; a statement that moved a counter without
-- an item (or an item without its counter) rolls back.
CREATE FUNCTION books_check_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM books b
        WHERE b.id = NEW.id AND (b.copies, b.available_copies) <> (
            SELECT count(*) FILTER (WHERE i.status IN ('available', 'on_loan', 'on_hold_shelf')),
                   count(*) FILTER (WHERE i.status = 'available')
            FROM items i WHERE i.book_id = b.id))
    THEN
        RAISE EXCEPTION 'the counters of book % disagree with its items', NEW.id USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER books_counters AFTER INSERT OR UPDATE OF copies, available_copies ON books
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION books_check_counters();

CREATE TABLE holds (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book_id           bigint NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    member_id         bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    status            text NOT NULL DEFAULT 'waiting'
                      CHECK (status IN ('waiting', 'awaiting_pickup', 'fulfilled', 'cancelled', 'expired')),
    item_id           bigint REFERENCES items (id) ON DELETE SET NULL,
    loan_id           bigint REFERENCES loans (id) ON DELETE SET NULL,
    suspended_until   timestamptz,
    pickup_expires_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT holds_waiting_holds_nothing CHECK (status <> 'waiting' OR (item_id IS NULL AND pickup_expires_at IS NULL)),
    CONSTRAINT holds_captured_holds_an_item CHECK (status <> 'awaiting_pickup' OR pickup_expires_at IS NOT NULL),
    CONSTRAINT holds_only_waiting_suspend CHECK (status = 'waiting' OR suspended_until IS NULL)
);
CREATE UNIQUE INDEX holds_one_open_per_member_book ON holds (member_id, book_id)
    WHERE status IN ('waiting', 'awaiting_pickup');
CREATE UNIQUE INDEX holds_one_per_item ON holds (item_id) WHERE status = 'awaiting_pickup';
CREATE INDEX holds_queue_idx ON holds (book_id, id) WHERE status = 'waiting';
CREATE INDEX holds_member_idx ON holds (member_id, id DESC);
CREATE INDEX holds_book_idx ON holds (book_id, id);

-- Checked at commit for every item a transaction touched through items, loans or holds.
CREATE FUNCTION check_item_circulation(item bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    item_status text;
    loans_out integer;
    holds_on_shelf integer;
BEGIN
    SELECT i.status,
           (SELECT count(*) FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL),
           (SELECT count(*) FROM holds h WHERE h.item_id = i.id AND h.status = 'awaiting_pickup')
    INTO item_status, loans_out, holds_on_shelf
    FROM items i WHERE i.id = item;
    IF FOUND AND (loans_out <> (item_status = 'on_loan')::int OR holds_on_shelf <> (item_status = 'on_hold_shelf')::int) THEN
        RAISE EXCEPTION 'item % is % with % active loans and % holds awaiting pickup',
            item, item_status, loans_out, holds_on_shelf USING ERRCODE = '23514';
    END IF;
END
$$;

CREATE FUNCTION items_check_circulation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'items' THEN
        PERFORM check_item_circulation(NEW.id);
        RETURN NULL;
    END IF;
    IF NEW.item_id IS NOT NULL THEN PERFORM check_item_circulation(NEW.item_id); END IF;
    IF TG_OP = 'UPDATE' AND OLD.item_id IS DISTINCT FROM NEW.item_id AND OLD.item_id IS NOT NULL THEN
        PERFORM check_item_circulation(OLD.item_id);
    END IF;
    IF TG_TABLE_NAME = 'holds' THEN
        -- (a separate IF: PL/pgSQL may evaluate both sides of an AND, and loans have no status)
        IF NEW.status = 'fulfilled' AND NOT EXISTS (
            SELECT FROM loans l WHERE l.id = NEW.loan_id AND l.member_id = NEW.member_id AND l.book_id = NEW.book_id)
        THEN
            RAISE EXCEPTION 'hold % is fulfilled without a loan of its member', NEW.id USING ERRCODE = '23514';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER items_circulation AFTER INSERT OR UPDATE OF status ON items
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION items_check_circulation();
CREATE CONSTRAINT TRIGGER loans_circulation AFTER INSERT OR UPDATE OF item_id, returned_at ON loans
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION items_check_circulation();
CREATE CONSTRAINT TRIGGER holds_circulation AFTER INSERT OR UPDATE OF status, item_id, loan_id ON holds
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION items_check_circulation();

-- Pending work. A runner claims one due job (FOR UPDATE SKIP LOCKED), does its effect and marks it
-- done in the same transaction; a failure is kept in last_error and retried later, `dead` after
-- the attempt limit. A dedupe key makes enqueueing the same work twice a no-op.
CREATE TABLE jobs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind ~ '^[a-z_]{1,64}$'),
    payload    jsonb NOT NULL DEFAULT '{}',
    run_at     timestamptz NOT NULL DEFAULT now(),
    state      text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'failed', 'done', 'dead')),
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    dedupe_key text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    done_at    timestamptz,
    CONSTRAINT jobs_done_when_done CHECK ((state = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE state IN ('queued', 'failed');
CREATE INDEX jobs_state_idx ON jobs (state, id DESC);

-- Gives free copies of a book to its first waiting, not suspended holds, each until `pickup` from
-- now, and enqueues each capture's pickup deadline. Returns the holds it captured. The caller
-- holds the book's row lock (taken here too, for callers that do not).
CREATE FUNCTION capture_holds(book bigint, pickup interval) RETURNS SETOF bigint
LANGUAGE plpgsql AS $$
DECLARE
    hold bigint;
    item bigint;
BEGIN
    PERFORM FROM books WHERE id = book FOR UPDATE;
    LOOP
        SELECT h.id INTO hold FROM holds h
        WHERE h.book_id = book AND h.status = 'waiting' AND (h.suspended_until IS NULL OR h.suspended_until <= now())
        ORDER BY h.id LIMIT 1;
        EXIT WHEN NOT FOUND;
        UPDATE items SET status = 'on_hold_shelf', updated_at = now()
        WHERE id = (SELECT i.id FROM items i WHERE i.book_id = book AND i.status = 'available' ORDER BY i.id LIMIT 1)
        RETURNING id INTO item;
        EXIT WHEN item IS NULL;
        UPDATE holds SET status = 'awaiting_pickup', item_id = item, pickup_expires_at = clock_timestamp() + pickup,
                         updated_at = now()
        WHERE id = hold;
        INSERT INTO jobs (kind, payload, run_at, dedupe_key)
        SELECT 'hold_pickup_expiry', jsonb_build_object('hold_id', hold), h.pickup_expires_at,
               'hold_pickup_expiry:' || hold || ':' || item || ':' || extract(epoch FROM h.pickup_expires_at)
        FROM holds h WHERE h.id = hold
        ON CONFLICT (dedupe_key) DO NOTHING;
        RETURN NEXT hold;
        item := NULL;
    END LOOP;
END
$$;

-- A hold's pickup deadline: when it is still awaiting pickup past its deadline, it expires and its
-- copy passes to the next in line or becomes available. Returns what it did.
CREATE FUNCTION expire_hold(hold bigint, pickup interval) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    book bigint;
    item bigint;
    next_hold bigint;
BEGIN
    SELECT book_id INTO book FROM holds WHERE id = hold;
    IF NOT FOUND THEN RETURN 'no such hold'; END IF;
    PERFORM FROM books WHERE id = book FOR UPDATE;
    UPDATE holds SET status = 'expired', updated_at = now()
    WHERE id = hold AND status = 'awaiting_pickup' AND pickup_expires_at <= clock_timestamp()
    RETURNING item_id INTO item;
    IF NOT FOUND THEN RETURN 'not awaiting pickup past its deadline'; END IF;
    UPDATE items SET status = 'available', updated_at = now() WHERE id = item AND status = 'on_hold_shelf';
    SELECT c INTO next_hold FROM capture_holds(book, pickup) AS c LIMIT 1;
    RETURN CASE WHEN next_hold IS NULL THEN 'expired; the copy is available' ELSE 'expired; the copy passed to hold ' || next_hold END;
END
$$;
