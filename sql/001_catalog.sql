-- 001: the catalog. Books with their copy counts; available_copies is kept by the loan
-- statements themselves, and the constraints keep every worker honest.

CREATE TABLE books (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            text    NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    author           text    NOT NULL CHECK (length(author) BETWEEN 1 AND 300),
    isbn             text    NOT NULL UNIQUE CHECK (isbn ~ '^([0-9]{9}[0-9X]|[0-9]{13})$'),
    year             integer NOT NULL CHECK (year BETWEEN -3000 AND 3000),
    copies           integer NOT NULL CHECK (copies >= 0),
    available_copies integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    search           tsvector GENERATED ALWAYS AS
                         (to_tsvector('english', title || ' ' || author)) STORED,
    CONSTRAINT books_available_within_copies CHECK (available_copies BETWEEN 0 AND copies)
);

CREATE INDEX books_search_idx ON books USING gin (search);
CREATE INDEX books_title_idx  ON books (title, id);
CREATE INDEX books_author_idx ON books (author, id);
CREATE INDEX books_year_idx   ON books (year, id);
