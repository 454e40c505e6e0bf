"""Items, holds and the desk, through nginx, in every process mode: a book's copies have barcodes,
members queue for a title, a returned copy goes to the first waiting hold, and the desk lends and
takes back copies by barcode. Each test makes its own book, so no other test's loans get in the way."""
import concurrent.futures
import datetime
import uuid


from conftest import API, BASE_URL, admin_sql, assert_problem, new_key, register, unique_email
from test_catalog_writes import isbn13


def new_book(admin, copies):
    isbn = isbn13()
    response = admin.post("/api/books", json={"title": f"Circulation {isbn}", "author": "Tester", "isbn": isbn,
                                              "year": 2020, "copies": copies})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def new_member():
    email, password = register(unique_email("patron"))
    return email, API(BASE_URL, new_key(email, password)["api_key"])


def items_of(client, book_id):
    response = client.get(f"/api/books/{book_id}/items")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def book(client, book_id):
    return client.get(f"/api/books/{book_id}").json()["data"]


def hold(client, book_id, status=201):
    response = client.post(f"/api/books/{book_id}/holds")
    assert response.status_code == status, response.text
    return response.json()["data"] if status == 201 else response


def borrow(client, book_id, status=201):
    response = client.post(f"/api/books/{book_id}/borrow")
    assert response.status_code == status, response.text
    return response.json()["data"] if status == 201 else response


def in_days(days):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def counts_add_up(book_id):
    """The book's counters equal what its items say."""
    rows = admin_sql(f"""SELECT b.copies, b.available_copies,
        (SELECT count(*) FROM items WHERE book_id = b.id AND status IN ('available', 'on_loan', 'on_hold_shelf')),
        (SELECT count(*) FROM items WHERE book_id = b.id AND status = 'available') FROM books b WHERE b.id = {book_id}""")
    copies, available, counted, counted_available = rows[0].split("|")
    assert (copies, available) == (counted, counted_available)


def test_a_new_book_has_items_with_generated_barcodes_and_derived_counts(admin, api):
    created = new_book(admin, 3)
    items = items_of(api, created["id"])
    assert [item["status"] for item in items] == ["available"] * 3
    assert all(item["due_at"] is None and item["barcode"].startswith("S") and len(item["barcode"]) == 11 for item in items)
    assert len({item["barcode"] for item in items}) == 3
    loan = borrow(api, created["id"])
    items = items_of(api, created["id"])
    lent = [item for item in items if item["status"] == "on_loan"]
    assert len(lent) == 1 and lent[0]["barcode"] == loan["barcode"] and lent[0]["due_at"] == loan["due_date"]
    shown = book(api, created["id"])
    assert (shown["copies"], shown["available_copies"], shown["available"]) == (3, 2, True)
    counts_add_up(created["id"])
    assert api.post(f"/api/borrows/{loan['id']}/return").status_code == 200


def test_the_seed_gives_every_copy_a_barcode(api):
    items = items_of(api, 1)
    first = book(api, 1)
    assert len([item for item in items if item["status"] != "withdrawn"]) >= first["copies"]
    assert all(item["barcode"].startswith(first["isbn"] + "-") for item in items)


def test_librarians_add_copies_mark_them_lost_and_found(admin, api):
    created = new_book(admin, 1)
    response = admin.post(f"/api/books/{created['id']}/items", json={"barcode": "LIB-" + uuid.uuid4().hex[:8]})
    assert response.status_code == 201, response.text
    barcode = response.json()["data"]["barcode"]
    assert response.headers["Location"] == f"/api/items/{barcode}"
    assert_problem(admin.post(f"/api/books/{created['id']}/items", json={"barcode": barcode}), 409, "conflict")
    assert_problem(admin.post(f"/api/books/{created['id']}/items", json={"barcode": "S0000000001"}), 422, "validation")
    assert_problem(admin.post(f"/api/books/{created['id']}/items", json={"barcode": "no spaces"}), 422, "validation")
    assert_problem(api.post(f"/api/books/{created['id']}/items", json={}), 403, "insufficient-scope")
    generated = admin.post(f"/api/books/{created['id']}/items")
    assert generated.status_code == 201 and generated.json()["data"]["barcode"].startswith("S")
    assert book(api, created["id"])["copies"] == 3

    lost = admin.request("PATCH", f"/api/items/{barcode}", json={"status": "lost"})
    assert lost.status_code == 200 and lost.json()["data"]["status"] == "lost"
    assert (book(api, created["id"])["copies"], book(api, created["id"])["available_copies"]) == (2, 2)
    assert_problem(admin.request("PATCH", f"/api/items/{barcode}", json={"status": "on_loan"}), 422, "validation")
    found = admin.request("PATCH", f"/api/items/{barcode}", json={"status": "available"})
    assert found.status_code == 200 and found.json()["data"]["status"] == "available"
    assert book(api, created["id"])["copies"] == 3
    assert_problem(admin.get("/api/items/NO-SUCH-COPY"), 404, "not-found")
    assert_problem(api.get(f"/api/items/{barcode}"), 403, "insufficient-scope")
    counts_add_up(created["id"])


def test_a_copy_on_loan_cannot_be_marked_lost_and_shows_its_loan(admin):
    created = new_book(admin, 1)
    email, member = new_member()
    loan = borrow(member, created["id"])
    detail = admin.get(f"/api/items/{loan['barcode']}").json()["data"]
    assert detail["status"] == "on_loan" and detail["loan"]["id"] == loan["id"] and detail["hold"] is None
    assert detail["loan"]["borrower_email"] == email and detail["book_id"] == created["id"]
    assert_problem(admin.request("PATCH", f"/api/items/{loan['barcode']}", json={"status": "lost"}), 409, "conflict")


def test_32_members_placing_holds_at_once_get_positions_1_to_32(admin):
    created = new_book(admin, 1)
    _, lender = new_member()
    borrow(lender, created["id"])
    members = [new_member()[1] for _ in range(32)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        holds = list(pool.map(lambda member: hold(member, created["id"]), members))
    assert sorted(h["position"] for h in holds) == list(range(1, 33))
    assert all(h["status"] == "waiting" and h["queue_length"] >= h["position"] for h in holds)
    queue = admin.get("/api/holds", params={"book_id": created["id"], "limit": 100}).json()["data"]
    assert [h["position"] for h in queue] == list(range(1, 33))
    assert all(h["queue_length"] == 32 for h in queue)

    # Cancelling the 10th closes the gap: the queue is 1..31 again, in the same order.
    tenth = next(h for h in queue if h["position"] == 10)
    cancelled = admin.request("DELETE", f"/api/holds/{tenth['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"
    after = admin.get("/api/holds", params={"book_id": created["id"], "status": "waiting", "limit": 100}).json()["data"]
    assert [h["position"] for h in after] == list(range(1, 32))
    assert [h["id"] for h in after] == [h["id"] for h in queue if h["id"] != tenth["id"]]


def test_a_returned_copy_goes_to_the_first_hold_that_is_not_suspended(admin):
    created = new_book(admin, 1)
    _, lender = new_member()
    loan = borrow(lender, created["id"])
    _, first = new_member()
    _, second = new_member()
    first_hold = hold(first, created["id"])
    second_hold = hold(second, created["id"])
    assert (first_hold["position"], second_hold["position"]) == (1, 2)
    suspended = first.request("PATCH", f"/api/holds/{first_hold['id']}", json={"suspended_until": "2099-01-01T00:00:00Z"})
    assert_problem(suspended, 422, "validation")  # more than a year ahead
    suspended = first.request("PATCH", f"/api/holds/{first_hold['id']}",
                              json={"suspended_until": in_days(30)})
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["data"]["suspended_until"] and suspended.json()["data"]["position"] == 1

    # Renewal is refused while someone waits (the second hold is not suspended).
    assert_problem(lender.post(f"/api/borrows/{loan['id']}/renew"), 409, "conflict")

    returned = lender.post(f"/api/borrows/{loan['id']}/return")
    assert returned.status_code == 200
    second_now = second.get(f"/api/holds/{second_hold['id']}").json()["data"]
    first_now = first.get(f"/api/holds/{first_hold['id']}").json()["data"]
    assert second_now["status"] == "awaiting_pickup" and second_now["barcode"] == loan["barcode"]
    assert second_now["pickup_expires_at"] and second_now["position"] is None
    assert first_now["status"] == "waiting" and first_now["position"] == 1
    assert book(admin, created["id"])["available_copies"] == 0
    counts_add_up(created["id"])

    # Nobody else borrows the held copy; the holder does, and the hold is fulfilled.
    _, other = new_member()
    assert_problem(borrow(other, created["id"], status=409), 409, "conflict")
    desk = admin.post("/api/desk/checkout", json={"barcode": loan["barcode"], "member_email": unique_email()})
    assert_problem(desk, 404, "not-found")
    taken = borrow(second, created["id"])
    assert taken["barcode"] == loan["barcode"]
    assert second.get(f"/api/holds/{second_hold['id']}").json()["data"]["status"] == "fulfilled"
    counts_add_up(created["id"])


def test_two_copies_returned_at_once_with_one_hold_waiting_one_is_captured_one_is_free(admin):
    created = new_book(admin, 2)
    _, a = new_member()
    _, b = new_member()
    loans = [borrow(a, created["id"]), borrow(b, created["id"])]
    _, waiting = new_member()
    placed = hold(waiting, created["id"])
    assert placed["status"] == "waiting"
    clients = [a, b]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda pair: pair[0].post(f"/api/borrows/{pair[1]['id']}/return"), zip(clients, loans)))
    assert [r.status_code for r in results] == [200, 200]
    statuses = sorted(item["status"] for item in items_of(admin, created["id"]))
    assert statuses == ["available", "on_hold_shelf"]
    assert waiting.get(f"/api/holds/{placed['id']}").json()["data"]["status"] == "awaiting_pickup"
    assert book(admin, created["id"])["available_copies"] == 1
    counts_add_up(created["id"])


def test_a_hold_on_a_free_copy_is_captured_at_once_and_the_limits_hold(admin):
    created = new_book(admin, 1)
    _, member = new_member()
    placed = hold(member, created["id"])
    assert placed["status"] == "awaiting_pickup" and placed["barcode"] and placed["pickup_expires_at"]
    assert_problem(hold(member, created["id"], status=409), 409, "conflict")  # a second open hold
    assert_problem(member.post("/api/books/999999999/holds"), 404, "not-found")
    loan = borrow(member, created["id"])
    assert loan["barcode"] == placed["barcode"]
    assert_problem(hold(member, created["id"], status=409), 409, "conflict")  # on loan to them
    assert_problem(member.request("DELETE", f"/api/holds/{placed['id']}"), 409, "conflict")  # fulfilled
    _, stranger = new_member()
    assert_problem(stranger.get(f"/api/holds/{placed['id']}"), 404, "not-found")
    assert_problem(stranger.request("DELETE", f"/api/holds/{placed['id']}"), 404, "not-found")
    assert_problem(stranger.get("/api/holds", params={"book_id": created["id"]}), 403, "insufficient-scope")
    assert_problem(stranger.get("/api/holds", params={"status": "sleeping"}), 400, "bad-request")


def test_the_open_hold_limit(admin):
    email, member = new_member()
    limit = 10
    books = [new_book(admin, 0) for _ in range(limit + 1)]
    for created in books[:limit]:
        hold(member, created["id"])
    assert_problem(hold(member, books[limit]["id"], status=409), 409, "conflict")
    mine = member.get("/api/holds", params={"status": "waiting", "limit": 5})
    assert mine.status_code == 200 and len(mine.json()["data"]) == 5 and mine.json()["meta"]["next_cursor"]


def test_a_cancelled_capture_passes_the_copy_to_the_next_in_line(admin):
    created = new_book(admin, 1)
    _, first = new_member()
    _, second = new_member()
    first_hold = hold(first, created["id"])
    second_hold = hold(second, created["id"])
    assert (first_hold["status"], second_hold["status"], second_hold["position"]) == ("awaiting_pickup", "waiting", 1)
    cancelled = first.request("DELETE", f"/api/holds/{first_hold['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"
    again = first.request("DELETE", f"/api/holds/{first_hold['id']}")
    assert again.status_code == 200 and again.json()["data"]["status"] == "cancelled"
    assert second.get(f"/api/holds/{second_hold['id']}").json()["data"]["status"] == "awaiting_pickup"
    counts_add_up(created["id"])


def test_a_held_copy_marked_lost_puts_its_hold_back_in_its_place(admin):
    created = new_book(admin, 1)
    _, member = new_member()
    placed = hold(member, created["id"])
    assert placed["status"] == "awaiting_pickup"
    lost = admin.request("PATCH", f"/api/items/{placed['barcode']}", json={"status": "lost"})
    assert lost.status_code == 200, lost.text
    back = member.get(f"/api/holds/{placed['id']}").json()["data"]
    assert back["status"] == "waiting" and back["position"] == 1 and back["barcode"] is None
    added = admin.post(f"/api/books/{created['id']}/items")
    assert added.status_code == 201
    assert added.json()["data"]["status"] == "on_hold_shelf"
    assert member.get(f"/api/holds/{placed['id']}").json()["data"]["status"] == "awaiting_pickup"
    counts_add_up(created["id"])


def test_the_desk_lends_and_takes_back_by_barcode(admin):
    created = new_book(admin, 2)
    email, member = new_member()
    barcodes = [item["barcode"] for item in items_of(admin, created["id"])]
    out = admin.post("/api/desk/checkout", json={"barcode": barcodes[0], "member_email": email, "days": 7})
    assert out.status_code == 201, out.text
    loan = out.json()["data"]
    assert loan["barcode"] == barcodes[0] and loan["borrower_email"] == email
    assert out.headers["Location"] == f"/api/borrows/{loan['id']}"
    mine = member.get(f"/api/borrows/{loan['id']}")
    assert mine.status_code == 200
    again = admin.post("/api/desk/checkout", json={"barcode": barcodes[0], "member_email": email})
    body = assert_problem(again, 409, "conflict")
    assert "on loan" in body["detail"]
    assert_problem(member.post("/api/desk/checkout", json={"barcode": barcodes[1], "member_email": email}), 403)
    assert_problem(admin.post("/api/desk/checkout", json={"barcode": barcodes[1]}), 422, "validation")

    # Someone waits; the check-in gives the copy to them, and the desk will not lend it to anyone else.
    other_email, other = new_member()
    admin.post("/api/desk/checkout", json={"barcode": barcodes[1], "member_email": other_email})
    waiting_email, waiting = new_member()
    placed = hold(waiting, created["id"])
    assert placed["position"] == 1
    back = admin.post("/api/desk/checkin", json={"barcode": barcodes[0]})
    assert back.status_code == 200, back.text
    result = back.json()["data"]
    assert result["loan"]["id"] == loan["id"] and result["loan"]["returned"] is True
    assert result["loan"]["borrower_email"] == email
    assert result["item"]["status"] == "on_hold_shelf" and result["hold"]["member_email"] == waiting_email
    blocked = admin.post("/api/desk/checkout", json={"barcode": barcodes[0], "member_email": other_email})
    assert "hold shelf for another member" in assert_problem(blocked, 409, "conflict")["detail"]
    assert_problem(admin.post("/api/desk/checkin", json={"barcode": barcodes[0]}), 409, "conflict")
    given = admin.post("/api/desk/checkout", json={"barcode": barcodes[0], "member_email": waiting_email})
    assert given.status_code == 201, given.text
    assert waiting.get(f"/api/holds/{placed['id']}").json()["data"]["status"] == "fulfilled"

    lost_item = admin.post(f"/api/books/{created['id']}/items").json()["data"]["barcode"]
    admin.request("PATCH", f"/api/items/{lost_item}", json={"status": "lost"})
    third_email, _ = new_member()
    body = assert_problem(admin.post("/api/desk/checkout", json={"barcode": lost_item, "member_email": third_email}), 409)
    assert "lost" in body["detail"]
    counts_add_up(created["id"])


def test_the_desk_keeps_the_loan_limit_and_names_it(admin):
    email, member = new_member()
    created = new_book(admin, 6)
    barcodes = [item["barcode"] for item in items_of(admin, created["id"])]
    for barcode in barcodes[:5]:
        assert admin.post("/api/desk/checkout", json={"barcode": barcode, "member_email": email}).status_code == 201
    body = assert_problem(admin.post("/api/desk/checkout", json={"barcode": barcodes[5], "member_email": email}), 409)
    assert email in body["detail"] and "limit" in body["detail"]


def test_changing_copies_adds_items_and_withdraws_free_ones(admin):
    created = new_book(admin, 2)
    _, member = new_member()
    borrow(member, created["id"])
    grown = admin.request("PATCH", f"/api/books/{created['id']}", json={"copies": 4})
    assert grown.status_code == 200 and grown.json()["data"]["copies"] == 4
    shrunk = admin.request("PATCH", f"/api/books/{created['id']}", json={"copies": 1})
    assert shrunk.status_code == 200 and (shrunk.json()["data"]["copies"], shrunk.json()["data"]["available_copies"]) == (1, 0)
    statuses = sorted(item["status"] for item in items_of(admin, created["id"]))
    assert statuses == ["on_loan", "withdrawn", "withdrawn", "withdrawn"]
    assert_problem(admin.request("PATCH", f"/api/books/{created['id']}", json={"copies": 0}), 409, "conflict")
    counts_add_up(created["id"])


def test_a_member_given_another_copy_at_the_desk_frees_the_one_held_for_them(admin):
    created = new_book(admin, 2)
    x, y = [item["barcode"] for item in items_of(admin, created["id"])]
    lender_email, _ = new_member()
    for barcode in (x, y):
        assert admin.post("/api/desk/checkout", json={"barcode": barcode, "member_email": lender_email}).status_code == 201
    holder_email, holder = new_member()
    _, next_in_line = new_member()
    held = hold(holder, created["id"])
    waiting = hold(next_in_line, created["id"])
    assert admin.post("/api/desk/checkin", json={"barcode": x}).json()["data"]["hold"]["id"] == held["id"]
    assert admin.post("/api/desk/checkin", json={"barcode": y}).json()["data"]["hold"]["id"] == waiting["id"]
    # The holder is handed y (held for the other member): refused. Handed x: fine.
    assert_problem(admin.post("/api/desk/checkout", json={"barcode": y, "member_email": holder_email}), 409, "conflict")
    given = admin.post("/api/desk/checkout", json={"barcode": x, "member_email": holder_email})
    assert given.status_code == 201 and holder.get(f"/api/holds/{held['id']}").json()["data"]["status"] == "fulfilled"
    counts_add_up(created["id"])


def test_a_desk_loan_of_a_free_copy_fulfils_the_members_hold_and_frees_the_copy_held_for_them(admin):
    created = new_book(admin, 2)
    x, y = [item["barcode"] for item in items_of(admin, created["id"])]
    holder_email, holder = new_member()
    held = hold(holder, created["id"])  # captures x at once
    assert held["status"] == "awaiting_pickup" and held["barcode"] == x
    _, next_in_line = new_member()
    other_email, _ = new_member()
    assert admin.post("/api/desk/checkout", json={"barcode": y, "member_email": other_email}).status_code == 201
    waiting = hold(next_in_line, created["id"])
    assert admin.post("/api/desk/checkin", json={"barcode": y}).json()["data"]["hold"]["id"] == waiting["id"]
    # Now x waits for the holder and y for the next in line; the desk hands the holder x.
    assert admin.request("PATCH", f"/api/items/{y}", json={"status": "lost"}).status_code == 200
    assert next_in_line.get(f"/api/holds/{waiting['id']}").json()["data"]["status"] == "waiting"
    found = admin.request("PATCH", f"/api/items/{y}", json={"status": "available"})
    assert found.json()["data"]["status"] == "on_hold_shelf"
    assert found.json()["data"]["hold"]["id"] == waiting["id"]
    counts_add_up(created["id"])


def test_a_holder_handed_another_free_copy_releases_the_one_held_for_them(admin):
    created = new_book(admin, 2)
    x, y = [item["barcode"] for item in items_of(admin, created["id"])]
    holder_email, holder = new_member()
    held = hold(holder, created["id"])
    assert held["barcode"] == x
    given = admin.post("/api/desk/checkout", json={"barcode": y, "member_email": holder_email})
    assert given.status_code == 201, given.text
    assert holder.get(f"/api/holds/{held['id']}").json()["data"]["status"] == "fulfilled"
    assert {item["barcode"]: item["status"] for item in items_of(admin, created["id"])} == {x: "available", y: "on_loan"}
    counts_add_up(created["id"])
