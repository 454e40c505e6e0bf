-- deploy/bench.d/common.lua — loaded by every wrk script of deploy/bench: the parameters file that
-- deploy/bench wrote (credentials, book ids, words), a per-thread count of statuses, and done(), which
-- prints one line "BENCH_RESULT {json}" with requests, errors, statuses and latency percentiles.

params = dofile(os.getenv("STACKS_BENCH_PARAMS"))
statuses = {}
thread_no = 0
thread_count = 1

local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_no", #threads)
end

-- Called by the scripts' response() for every answer.
function count(status)
    statuses[status] = (statuses[status] or 0) + 1
end

-- The request template's {id} and {word}, filled from the parameters file.
function fill(template)
    return (template:gsub("{id}", function()
        return tostring(math.random(params.book_id_min, params.book_id_max))
    end):gsub("{word}", function()
        return params.words[math.random(#params.words)]
    end))
end

-- Header tables, one per credential, built once: {Authorization = "Bearer …"}.
function bearer_headers(list, extra)
    local out = {}
    for i, secret in ipairs(list) do
        local h = {Authorization = "Bearer " .. secret}
        for k, v in pairs(extra or {}) do h[k] = v end
        out[i] = h
    end
    return out
end

function seed_random()
    math.randomseed(os.time() * 1000 + thread_no * 7919)
end

local function encode(value)
    if type(value) == "table" then
        local parts = {}
        for k, v in pairs(value) do parts[#parts + 1] = string.format("%q:%s", tostring(k), encode(v)) end
        return "{" .. table.concat(parts, ",") .. "}"
    elseif type(value) == "number" then
        if value ~= value or value == math.huge or value == -math.huge then return "null" end
        return string.format("%.17g", value)
    end
    return string.format("%q", tostring(value))
end

function done(summary, latency, requests)
    local all = {}
    for _, thread in ipairs(threads) do
        for status, n in pairs(thread:get("statuses") or {}) do all[status] = (all[status] or 0) + n end
    end
    local percentiles = {}
    for _, p in ipairs({50, 75, 90, 99, 99.9}) do percentiles[tostring(p)] = latency:percentile(p) end
    io.write("BENCH_RESULT ", encode({
        duration_us = summary.duration, requests = summary.requests, bytes = summary.bytes,
        socket_errors = summary.errors, statuses = all, latency_us = percentiles,
        latency_mean_us = latency.mean, latency_max_us = latency.max,
    }), "\n")
end
