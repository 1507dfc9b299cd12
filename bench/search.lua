-- Sends GET /api/v1/search with each query of the file $BENCH_SEARCH_QUERIES in turn, one query a
-- line (blank lines and lines starting with # are skipped). bench/run.sh sets BENCH_DIR too. With
-- BENCH_SEARCH_FRESH=1 each request carries Cache-Control: no-cache, so the server ranks it again
-- instead of returning a page from its cache.
local queries_file = assert(os.getenv("BENCH_SEARCH_QUERIES"), "BENCH_SEARCH_QUERIES is not set")

local function url_encode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths = {}
for line in io.lines(queries_file) do
  if line ~= "" and line:sub(1, 1) ~= "#" then
    table.insert(paths, "/api/v1/search?q=" .. url_encode(line))
  end
end
assert(#paths > 0, "no queries in " .. queries_file)

local headers = {}
if os.getenv("BENCH_SEARCH_FRESH") == "1" then
  headers["Cache-Control"] = "no-cache"
end

local next_index = 0
function request()
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index], headers)
end

dofile(assert(os.getenv("BENCH_DIR"), "BENCH_DIR is not set") .. "/summary.lua")
