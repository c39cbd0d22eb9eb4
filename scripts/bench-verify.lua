-- bench-verify.lua: wrk script for scripts/bench-verify.sh. Each request
-- asks for the verification page of a random existing letter; the codes
-- file (one code a line) is the script's first argument. A second argument
-- "gzip" sends the Accept-Encoding header of a phone's browser.
--
-- The request is put together from a prefix and a suffix made once: wrk
-- shares the machine's cores with the server, and wrk.format, which walks
-- the headers table for every request, cost wrk some 12 us of CPU a
-- request that the bare handler's run (no script) does not pay.
local codes = {}
local n = 0
local suffix

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      n = n + 1
      codes[n] = line
    end
  end
  local host = wrk.headers["Host"] or (wrk.host .. ":" .. wrk.port)
  suffix = " HTTP/1.1\r\nHost: " .. host .. "\r\n"
  if args[2] == "gzip" then suffix = suffix .. "Accept-Encoding: gzip, deflate, br\r\n" end
  suffix = suffix .. "\r\n"
  math.randomseed(os.time() + tonumber(tostring(codes):match("0x(%x+)") or "0", 16))
end

function request()
  return "GET /v/" .. codes[math.random(n)] .. suffix
end
