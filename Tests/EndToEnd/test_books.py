"""The catalog's read side through nginx: lists, filters, sorting, paging, ETags."""
import http.client
import json
import re
import uuid
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import BASE_URL, admin_sql, assert_problem, stack_setting

DEMO_ISBNS = ["0201633612", "0201485672", "0321125215"]


def walk(api, path):
    """Follows Link: rel=next from `path` and returns every book served."""
    books, url, pages = [], path, 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        books += body["data"]
        link = response.headers.get("Link")
        assert (link is None) == (body["meta"]["next_cursor"] is None)
        url = re.match(r'<([^>]+)>; rel="next"', link).group(1) if link else None
        if url:
            assert parse_qs(urlparse(url).query)["cursor"] == [body["meta"]["next_cursor"]]
        pages += 1
        assert pages < 500
    return books


def test_lists_the_demo_books_first_with_every_field(api):
    response = api.get("/api/books")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"]
    assert body["meta"]["limit"] == 20
    assert len(body["data"]) == 20
    assert [book["isbn"] for book in body["data"][:3]] == DEMO_ISBNS
    book = body["data"][0]
    assert set(book) == {"id", "title", "author", "isbn", "year", "copies", "available_copies", "available"}
    assert book["title"].startswith("Design Patterns")
    assert book["available"] == (book["available_copies"] > 0)


def test_walking_every_page_serves_each_book_once(api):
    books = walk(api, "/api/books?limit=37")
    ids = [book["id"] for book in books]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    count = int(admin_sql("SELECT count(*) FROM books")[0])
    assert len(ids) == count


def test_the_seed_holds_the_demo_books_and_300_more(api):
    books = walk(api, "/api/books?limit=100")
    assert len(books) >= 303
    by_isbn = {book["isbn"]: book for book in books}
    for isbn in DEMO_ISBNS:
        assert isbn in by_isbn
    seed_rows = int(admin_sql("SELECT count(*) FROM books WHERE isbn ~ '^[0-9X]{10}$'")[0])
    assert seed_rows >= 303


def test_sorts_by_several_keys_in_both_directions(api):
    books = walk(api, "/api/books?sort=-year,title&limit=100")
    keys = [(-book["year"], book["title"]) for book in books]
    assert keys == sorted(keys, key=lambda k: (k[0],)) and len(books) > 300
    # within one year, titles ascend (compare with the database's collation, via the server's own order)
    years = {}
    for book in books:
        years.setdefault(book["year"], []).append(book["id"])
    one_year = max(years.items(), key=lambda kv: len(kv[1]))[0]
    expected = [int(x) for x in admin_sql(f"SELECT id FROM books WHERE year = {one_year} ORDER BY title, id")]
    assert years[one_year] == expected


def test_full_text_search_finds_fowler_and_design(api):
    fowler = walk(api, "/api/books?q=fowler&limit=100")
    assert len(fowler) >= 3
    assert any(book["isbn"] == "0201485672" for book in fowler)
    design = walk(api, "/api/books?q=design&limit=5")
    assert len(design) >= 5
    assert all("design" in (book["title"] + book["author"]).lower() for book in design)


def test_filters_by_author_year_and_availability(api):
    evans = walk(api, "/api/books?author=evans")
    assert any(book["isbn"] == "0321125215" for book in evans)
    assert all("evans" in book["author"].lower() for book in evans)
    ranged = walk(api, "/api/books?year_from=1990&year_to=1999&limit=100")
    assert ranged and all(1990 <= book["year"] <= 1999 for book in ranged)
    available = walk(api, "/api/books?available=true&limit=100")
    assert available and all(book["available"] for book in available)
    # A literal percent sign, not a wildcard: only authors that contain one (other tests store some).
    assert all("%" in book["author"] for book in walk(api, "/api/books?author=%25"))


@pytest.mark.parametrize("query", [
    "limit=0", "limit=101", "limit=ten", "sort=price", "sort=title;drop table books", "available=maybe",
    "year_from=2000&year_to=1000", "cursor=garbage", "colour=red", "limit=5&limit=6",
])
def test_refuses_bad_list_parameters_with_400(api, query):
    assert_problem(api.get(f"/api/books?{query}"), 400, "bad-request")


@pytest.mark.parametrize("raw", ["q=%zz", "q=%00", "author=%C3%28"])
def test_refuses_badly_escaped_query_strings_with_400(raw, member_key):
    # Sent raw: requests would re-encode the bad escapes before they left the client.
    connection = http.client.HTTPConnection(urlparse(BASE_URL).hostname, urlparse(BASE_URL).port, timeout=30)
    connection.request("GET", f"/api/books?{raw}", headers={"Authorization": f"Bearer {member_key}"})
    response = connection.getresponse()
    assert response.status == 400
    assert response.getheader("Content-Type") == "application/problem+json"
    assert json.loads(response.read())["type"] == "urn:stacks:problem:bad-request"


def test_a_forged_cursor_with_a_bad_value_is_400(api):
    import base64
    import hashlib
    fingerprint = hashlib.sha256("\x01\x01\x01\x01".encode()).hexdigest()[:16]
    for values in [["abc"], ["99999999999999999999999"], ["1", "2"]]:
        token = base64.urlsafe_b64encode(json.dumps({"filter": fingerprint, "sort": "id", "values": values}).encode())
        assert_problem(api.get(f"/api/books?cursor={token.decode().rstrip('=')}"), 400)


def test_a_cursor_from_another_sort_is_refused(api):
    cursor = api.get("/api/books?sort=title&limit=2").json()["meta"]["next_cursor"]
    assert_problem(api.get(f"/api/books?sort=-year&limit=2&cursor={cursor}"), 400)


def test_shows_one_book_with_a_strong_etag_and_answers_304(api):
    first = api.get("/api/books?limit=1").json()["data"][0]
    response = api.get(f"/api/books/{first['id']}")
    assert response.status_code == 200
    assert response.json()["data"] == first
    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    cached = api.get(f"/api/books/{first['id']}", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["ETag"] == etag
    assert api.get(f"/api/books/{first['id']}", headers={"If-None-Match": '"other"'}).status_code == 200
    assert api.get(f"/api/books/{first['id']}", headers={"If-None-Match": "*"}).status_code == 304


def test_the_etag_changes_when_the_book_changes(api):
    book_id = api.get("/api/books?limit=1&sort=-id").json()["data"][0]["id"]
    before = api.get(f"/api/books/{book_id}").headers["ETag"]
    item = admin_sql(f"INSERT INTO items (book_id) VALUES ({book_id}) RETURNING id")[0]
    try:
        after = api.get(f"/api/books/{book_id}", headers={"If-None-Match": before})
        assert after.status_code == 200
        assert after.headers["ETag"] != before
    finally:
        admin_sql(f"DELETE FROM items WHERE id = {item}")


@pytest.mark.parametrize("path", ["/api/books/999999999", "/api/books/0", "/api/books/abc", "/api/nothing", "/api/books/1/x"])
def test_unknown_resources_are_404_problems(api, path):
    assert_problem(api.get(path), 404, "not-found")


def test_paths_outside_the_api_are_404_problems(api):
    assert_problem(api.get("/index.html"), 404)


def test_the_catalog_needs_a_credential(anon):
    response = anon.get("/api/books")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="stacks"'


def test_a_wrong_method_is_405_with_allow(api):
    response = api.request("PUT", "/api/books")
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["Allow"] == "GET, HEAD, POST"


def max_body():
    return int(stack_setting("STACKS_MAX_BODY", "1048576"))


def too_large(limit, request_id):
    """The worker's 413 problem (Problem.contentTooLarge), byte for byte."""
    detail = f"The request body exceeds the limit of {limit} bytes."
    return json.dumps({"detail": detail, "instance": f"urn:stacks:request:{request_id}", "message": detail,
                       "status": 413, "success": False, "title": "Content too large",
                       "type": "urn:stacks:problem:content-too-large"}, separators=(",", ":")).encode()


# Regression: nginx's own limit was a fixed 2 MiB, which silently capped STACKS_MAX_BODY, and its 413
# body differed from the worker's. deploy/test runs the stack with STACKS_MAX_BODY=65536.
@pytest.mark.parametrize("extra", [1, 100_000, 3_000_000])
def test_a_body_over_stacks_max_body_is_the_workers_413_problem(api, extra):
    limit = max_body()
    response = api.request("POST", "/api/chat/limit", data=b" " * (limit + extra), headers={"Content-Type": "application/json"})
    assert_problem(response, 413, "content-too-large")
    assert response.content == too_large(limit, response.headers["X-Request-Id"])


def test_a_chunked_body_over_stacks_max_body_is_the_413_problem(api):
    limit = max_body()
    chunks = (b" " * 8192 for _ in range(limit // 8192 + 1))
    response = api.request("POST", "/api/chat/limit", data=chunks, headers={"Content-Type": "application/json"})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert_problem(response, 413, "content-too-large")
    assert response.content == too_large(limit, response.headers["X-Request-Id"])


def test_a_body_of_exactly_stacks_max_body_reaches_the_worker(api):
    message = json.dumps({"message": "How many messages so far?"}).encode()
    body = message + b" " * (max_body() - len(message))
    response = api.request("POST", f"/api/chat/limit-{uuid.uuid4().hex[:8]}", data=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["response"].endswith("had 0 messages.")


def test_head_returns_headers_without_a_body(api):
    response = api.request("HEAD", "/api/books?limit=1")
    assert response.status_code == 200
    assert response.content == b""
