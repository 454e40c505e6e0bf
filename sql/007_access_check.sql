-- 007: an access token's database check as one function that raises instead of answering false.
-- A request with an access token sends this check in the same round trip as its handler's first
-- statement (libpq pipeline mode): the statements between two Syncs run as one implicit
-- transaction, so when the check raises, the handler's statement is skipped and nothing of it
-- commits. The worker then authenticates the slow way (member row, scopes narrowed by the role)
-- to answer 401 or 403 exactly as before.
-- Valid means: the member exists with the role the token was signed for, the token was not
-- logged out, and its session (refresh family) was not revoked.
CREATE FUNCTION access_token_valid(member bigint, token_id text, session uuid, signed_role text)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM members m WHERE m.id = member AND m.role = signed_role)
        OR EXISTS (SELECT FROM revoked_tokens r WHERE r.jti = token_id)
        OR EXISTS (SELECT FROM refresh_tokens t WHERE t.family = session AND t.revoked_at IS NOT NULL)
    THEN
        RAISE EXCEPTION 'access token not valid' USING ERRCODE = '28000';
    END IF;
    RETURN true;
END
$$;
