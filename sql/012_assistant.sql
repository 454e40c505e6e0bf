-- The assistant's search finds titles spelled alike ("teh pragmatic programer") with pg_trgm's
-- word similarity, as authors already are (006); both indexes serve its `<%` and ILIKE tests.
CREATE INDEX IF NOT EXISTS books_title_trgm_idx ON books USING gin (title gin_trgm_ops);
