-- Sends GET /api/v1/search with each query of the file $BENCH_SEARCH_QUERIES in turn, one query a
-- line (blank lines and lines starting with # are skipped). bench/run.sh sets BENCH_DIR too.
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

local next_index = 0
function request()
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index])
end

dofile(assert(os.getenv("BENCH_DIR"), "BENCH_DIR is not set") .. "/summary.lua")
