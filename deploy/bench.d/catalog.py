"""Catalog scale: N generated titles in the bench stack's own database (realistic words, valid
unique ISBN-13s), and the list queries timed one request at a time through nginx.

The generated words never include "hobbit" and the authors never "Tolkien", so `?q=hobbit` and
`?author=tolkien` match only the seed catalog's few books at any size."""
import http.client
import statistics
import time
import urllib.parse

# Nouns first in order of frequency: a title word is drawn with probability falling along the list.
NOUNS = """history war life world art science design guide introduction story love time city house night
garden music death power light river journey secrets language mind nature road family empire sea king
women children body money water fire stone memory century politics philosophy economics mathematics
physics chemistry biology medicine law religion culture society theory practice method principles
elements foundations handbook essays letters poems tales notes lessons rules age origins future
revolution state nation island mountain forest winter summer spring autumn birds animals stars sun moon
earth ocean desert village streets bridge tower castle palace church school college university
library book word words silence voices dreams shadows ghosts heroes kings queens soldiers sailors
farmers workers engineers doctors artists writers poets painters architecture engineering computing
software programming systems networks data information knowledge wisdom truth justice freedom peace
democracy trade industry technology invention discovery exploration travel food cooking wine bread
health sleep dance brain heart soul spirit faith hope fear anger joy""".split()
ADJECTIVES = """new great little last lost secret hidden modern ancient american british french german
italian russian chinese japanese complete short brief practical natural silent dark golden red black
white green blue early late first second final young old wild quiet simple hard open free true
strange beautiful broken forgotten invisible endless northern southern eastern western""".split()
FIRST = """James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard
Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa Matthew Betty Anthony
Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol
Kevin Amanda Brian Melissa George Deborah Edward Stephanie Ronald Rebecca Timothy Sharon Jason Laura
Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela Nicholas Shirley Eric Anna Jonathan Brenda""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz
Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson
Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray
Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez""".split()

# (path, SQL condition counting the rows it matches, as the API filters them)
QUERIES = [
    ("/api/books?limit=20", "true"),
    ("/api/books?sort=title", "true"),
    ("/api/books?q=design", "search @@ websearch_to_tsquery('english', 'design')"),
    ("/api/books?q=hobbit", "search @@ websearch_to_tsquery('english', 'hobbit')"),
    ("/api/books?q=hobbit&sort=title", "search @@ websearch_to_tsquery('english', 'hobbit')"),
    ("/api/books?q=history%20war&sort=-year", "search @@ websearch_to_tsquery('english', 'history war')"),
    ("/api/books?author=tolkien", "author ILIKE '%tolkien%'"),
    ("/api/books?available=false", "available_copies = 0"),
]
# A query that matches at most this many rows is held to FEW_MS, any other to MANY_MS.
FEW_ROWS = 1000
FEW_MS = 5.0
MANY_MS = 50.0


def _array(words):
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def _isbn13(n):
    """SQL for a valid ISBN-13 '979' + 9 digits of n + check digit (prefix 9,7,9 weighs 1,3,1: 39)."""
    terms = " + ".join(f"(({n} / {10 ** k}) % 10) * {3 if k % 2 == 0 else 1}" for k in range(9))
    return f"'979' || lpad(({n})::text, 9, '0') || ((10 - (39 + {terms}) % 10) % 10)::text"


def _pick(words):
    return f"w.{words}[1 + floor(power(random(), 2) * cardinality(w.{words}))::int]"


def insert_sql(first, last):
    """INSERT of generated titles numbered first..last (their ISBNs come from the numbers) with their
    items: 1–5 available copies, or (one title in ten) none, its one copy lost. Run with the triggers
    off (a bulk load), so the statement writes the counters and the items agreeing itself."""
    noun, adj = _pick("nouns"), _pick("adjectives")
    person = f"{_pick('first')} || ' ' || {_pick('last')}"
    m = "(100000000 + g)"
    return f"""
        WITH w AS (SELECT {_array(NOUNS)} AS nouns, {_array(ADJECTIVES)} AS adjectives,
                          {_array(FIRST)} AS first, {_array(LAST)} AS last)
        , added AS (
        INSERT INTO books (title, author, isbn, year, copies, available_copies)
        SELECT title, author, isbn, year, copies, copies
        FROM (
            SELECT g,
                   initcap(CASE g % 6
                       WHEN 0 THEN 'the ' || {adj} || ' ' || {noun}
                       WHEN 1 THEN {noun} || ' and ' || {noun}
                       WHEN 2 THEN 'the ' || {noun} || ' of ' || {noun}
                       WHEN 3 THEN {adj} || ' ' || {noun} || ': a ' || {noun} || ' of ' || {noun}
                       WHEN 4 THEN {noun} || ' in the ' || {noun}
                       ELSE 'the ' || {adj} || ' ' || {noun} || ' of the ' || {noun} END) AS title,
                   CASE WHEN random() < 0.2 THEN {person} || ', ' || {person} ELSE {person} END AS author,
                   {_isbn13(m)} AS isbn,
                   2025 - floor(power(random(), 2) * 225)::int AS year,
                   CASE WHEN random() < 0.1 THEN 0 ELSE 1 + floor(random() * 5)::int END AS copies
            FROM w, generate_series({first}, {last}) AS g
        ) AS generated
        RETURNING id, copies)
        INSERT INTO items (book_id, barcode, status)
        SELECT id, 'G' || id || '-' || n, CASE WHEN copies = 0 THEN 'lost' ELSE 'available' END
        FROM added, generate_series(1, greatest(copies, 1)) AS n"""


def generate(stack, count, say, chunk=100_000):
    """Adds `count` generated titles (in chunks of `chunk`, one transaction each), then VACUUM ANALYZE
    (an autovacuum would otherwise start in the middle of the timings). Returns seconds taken."""
    started = time.monotonic()
    done = 0
    stack.psql("SELECT setseed(0.42)")
    while done < count:
        size = min(chunk, count - done)
        stack.psql(f"SELECT setseed({(done // chunk + 1) / 1000}); {insert_sql(done + 1, done + size)}", owner=True,
                   bulk=True)
        done += size
        say(f"catalog: {done:,} of {count:,} titles ({time.monotonic() - started:.0f} s)")
    stack.psql("VACUUM (ANALYZE) books; VACUUM (ANALYZE) items")
    return time.monotonic() - started


def _get(connection, path, headers):
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return (time.perf_counter() - started) * 1000, response.status, body


def measure(stack, port, key, samples):
    """p50 (and p90, max) of each catalog query at one connection, and the rows it matches."""
    total = int(stack.psql("SELECT count(*) FROM books"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {key}"}
    results = []
    for path, condition in QUERIES:
        matches = int(stack.psql(f"SELECT count(*) FROM books WHERE {condition}"))
        first_ms, status, body = _get(connection, path, headers)
        errors = int(status != 200)
        slow = first_ms > 1000  # a query this slow is timed a few times only
        for _ in range(0 if slow else 2):
            _get(connection, path, headers)
        times = []
        for _ in range(min(samples, 5) if slow else samples):
            ms, status, _ = _get(connection, path, headers)
            times.append(ms)
            errors += int(status != 200)
        times.sort()
        target = FEW_MS if matches <= FEW_ROWS else MANY_MS
        p50 = statistics.median(times)
        results.append({
            "query": urllib.parse.unquote(path.replace("/api/books", "", 1)), "path": path, "catalog": total,
            "matches": matches, "rows": body.count(b'"isbn"'), "samples": len(times), "p50_ms": p50,
            "p90_ms": times[min(len(times) - 1, int(len(times) * 0.9))], "max_ms": times[-1], "errors": errors,
            "target_ms": target, "pass": p50 <= target and errors == 0,
        })
    connection.close()
    return results
