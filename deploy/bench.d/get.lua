-- deploy/bench.d/get.lua — GET requests for deploy/bench: wrk … -s get.lua URL -- PATH AUTH, where PATH may
-- hold {id} (a random book id) and {word} (a random search word) and AUTH is token, key or none.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local template, headers, turn = "/", {{}}, 0

function init(args)
    seed_random()
    template = args[1]
    if args[2] == "token" then
        headers = bearer_headers(params.tokens)
    elseif args[2] == "key" then
        headers = bearer_headers(params.keys)
    end
end

function request()
    turn = turn + 1
    return wrk.format("GET", fill(template), headers[turn % #headers + 1])
end

function response(status, headers, body)
    count(status)
end
