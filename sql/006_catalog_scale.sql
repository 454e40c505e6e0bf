-- 006: the catalog at a real library's size (a million titles and more). Measured with
-- EXPLAIN ANALYZE on 1,000,504 generated titles:
-- * Full-text statistics: with the default target a word outside the most-common list is
--   estimated at half the rarest listed frequency (0.5 % here), so a rare word ("hobbit", one
--   row) walked the id or title index through the whole table (387 ms, 3.7 s with sort=title).
--   A larger target lists far more lexemes, the estimate of a rare word falls to a few rows, and
--   the planner takes the GIN index (6 ms, 4 ms).
-- * `author ILIKE '%…%'` had no usable index (a 255 ms parallel scan): a trigram index (0.2 ms).
-- * `available=false` filtered the id index (5 ms): a partial index of the unavailable (0.1 ms).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX books_author_trgm_idx ON books USING gin (author gin_trgm_ops);
CREATE INDEX books_unavailable_idx ON books (id) WHERE available_copies = 0;
ALTER TABLE books ALTER COLUMN search SET STATISTICS 10000;
ANALYZE books;
