-- deploy/bench.d/borrow_return.lua — borrow + return pairs for deploy/bench: POST /api/books/{id}/borrow
-- with one member's access token, then POST /api/borrows/{loan}/return with the same member's token.
-- Loans borrowed (201) wait in a queue; the next request of any connection of this thread returns one,
-- else borrows. Members rotate, so their row locks (taken by every borrow) do not serialise the run.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local headers, member_of, pending, turn = {}, {}, {}, 0

function init(args)
    seed_random()
    headers = bearer_headers(params.tokens, {["Content-Type"] = "application/json"})
    for i, email in ipairs(params.emails) do member_of[email] = i end
end

function request()
    local loan = table.remove(pending)
    if loan then
        return wrk.format("POST", "/api/borrows/" .. loan.id .. "/return", headers[loan.member], "")
    end
    turn = turn + 1
    local book = params.loan_books[math.random(#params.loan_books)]
    return wrk.format("POST", "/api/books/" .. book .. "/borrow", headers[turn % #headers + 1], '{"days":14}')
end

function response(status, headers, body)
    count(status)
    if status == 201 then
        local id = (headers["Location"] or headers["location"] or ""):match("/api/borrows/(%d+)")
        local email = body:match('"borrower_email":"([^"]*)"')
        if id and member_of[email] then pending[#pending + 1] = {id = id, member = member_of[email]} end
    end
end
