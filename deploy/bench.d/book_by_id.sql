-- deploy/bench.d/book_by_id.sql — pgbench's ceiling for GET /api/books/{id}: the statement BookStore.book(id:)
-- sends (Sources/Stacks/Books/BookStore.swift), run with -M prepared and -D min=… -D max=… (the book ids).
\set id random(:min, :max)
SELECT id, title, author, isbn, year, copies, available_copies FROM books WHERE id = :id;
