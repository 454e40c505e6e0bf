-- deploy/bench.d/login.lua — POST /api/auth/login for deploy/bench, rotating over members kept for this
-- scenario alone (their sessions are deleted after each run, so other scenarios never see them).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local bodies, turn = {}, 0
local json = {["Content-Type"] = "application/json"}

function init(args)
    seed_random()
    for i, email in ipairs(params.login_emails) do
        bodies[i] = string.format('{"email":"%s","password":"%s"}', email, params.password)
    end
end

function request()
    turn = turn + 1
    return wrk.format("POST", "/api/auth/login", json, bodies[(turn + thread_no * 7) % #bodies + 1])
end

function response(status, headers, body)
    count(status)
end
