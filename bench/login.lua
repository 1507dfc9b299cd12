-- Sends POST /api/v1/auth/login for one user. bench/run.sh sets BENCH_LOGIN, BENCH_PASSWORD and
-- BENCH_DIR (the folder of this script, so that summary.lua can be loaded).
local login = assert(os.getenv("BENCH_LOGIN"), "BENCH_LOGIN is not set")
local password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD is not set")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- The values contain no characters that JSON must escape (bench/run.sh chooses them).
wrk.body = string.format('{"login":"%s","password":"%s"}', login, password)

dofile(assert(os.getenv("BENCH_DIR"), "BENCH_DIR is not set") .. "/summary.lua")
