-- A book's counters move once per statement that moves its items, not once per item: adding or
-- withdrawing N copies made N row versions of the book and N deferred counter checks, each counting
-- all N items (O(N²): 4,000 copies took longer than the statement timeout).
CREATE OR REPLACE FUNCTION items_move_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Each item's change as +1/-1 to its book's two counters; one UPDATE per book touched.
    IF TG_OP = 'INSERT' THEN
        UPDATE books b
        SET copies = b.copies + m.copies, available_copies = b.available_copies + m.available, updated_at = now()
        FROM (SELECT book_id, count(*) FILTER (WHERE status IN ('available', 'on_loan', 'on_hold_shelf')) AS copies,
                     count(*) FILTER (WHERE status = 'available') AS available
              FROM new_items GROUP BY book_id) m
        WHERE b.id = m.book_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE books b
        SET copies = b.copies - m.copies, available_copies = b.available_copies - m.available, updated_at = now()
        FROM (SELECT book_id, count(*) FILTER (WHERE status IN ('available', 'on_loan', 'on_hold_shelf')) AS copies,
                     count(*) FILTER (WHERE status = 'available') AS available
              FROM old_items GROUP BY book_id) m
        WHERE b.id = m.book_id;
    ELSE
        UPDATE books b
        SET copies = b.copies + m.copies, available_copies = b.available_copies + m.available, updated_at = now()
        FROM (SELECT book_id, sum(copies) AS copies, sum(available) AS available
              FROM (SELECT n.book_id, (n.status IN ('available', 'on_loan', 'on_hold_shelf'))::int AS copies,
                           (n.status = 'available')::int AS available
                    FROM new_items n JOIN old_items o USING (id)
                    WHERE (n.status, n.book_id) IS DISTINCT FROM (o.status, o.book_id)
                    UNION ALL
                    SELECT o.book_id, -(o.status IN ('available', 'on_loan', 'on_hold_shelf'))::int,
                           -(o.status = 'available')::int
                    FROM new_items n JOIN old_items o USING (id)
                    WHERE (n.status, n.book_id) IS DISTINCT FROM (o.status, o.book_id)) moves
              GROUP BY book_id) m
        WHERE b.id = m.book_id;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER items_counters ON items;
CREATE TRIGGER items_counters_insert AFTER INSERT ON items
REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION items_move_counters();
CREATE TRIGGER items_counters_update AFTER UPDATE ON items
REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION items_move_counters();
CREATE TRIGGER items_counters_delete AFTER DELETE ON items
REFERENCING OLD TABLE AS old_items FOR EACH STATEMENT EXECUTE FUNCTION items_move_counters();
