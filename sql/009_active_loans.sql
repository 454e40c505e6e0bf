-- 009: a member's loans still out, straight from an index in due order, however many returned
-- loans the member has: the chat's loan list and the borrow limit's count read only these.
CREATE INDEX loans_member_active_idx ON loans (member_id, due_at, id) WHERE returned_at IS NULL;
