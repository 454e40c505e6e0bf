-- deploy/bench.d/chat.lua — chat turns for deploy/bench: POST /api/chat/{conversation} {message} on the
-- conversations deploy/bench filled with about 50 messages, each thread on its own share of them.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local headers, mine, turn = {}, {}, 0
local messages = {
    '{"message":"Find books about design"}',
    '{"message":"What was the first item?"}',
    '{"message":"Is the second one available?"}',
    '{"message":"Do you have books by Fowler?"}',
}

function init(args)
    seed_random()
    headers = bearer_headers(params.tokens, {["Content-Type"] = "application/json"})
    local threads = tonumber(args[1]) or 1
    for i, c in ipairs(params.conversations) do
        if i % threads == thread_no % threads then mine[#mine + 1] = c end
    end
    if #mine == 0 then mine = params.conversations end
end

function request()
    turn = turn + 1
    local c = mine[turn % #mine + 1]
    return wrk.format("POST", "/api/chat/" .. c.name, headers[c.member], messages[turn % #messages + 1])
end

function response(status, headers, body)
    count(status)
end
