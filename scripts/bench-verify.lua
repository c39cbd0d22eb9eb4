-- bench-verify.lua: wrk script for scripts/bench-verify.sh. Each request
-- asks for the verification page of a random existing letter; the codes
-- file (one code a line) is the script's first argument. A second argument
-- "gzip" sends the Accept-Encoding header of a phone's browser.
local codes = {}
local headers = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then codes[#codes + 1] = line end
  end
  if args[2] == "gzip" then headers["Accept-Encoding"] = "gzip, deflate, br" end
  math.randomseed(os.time() + tonumber(tostring(codes):match("0x(%x+)") or "0", 16))
end

function request()
  return wrk.format("GET", "/v/" .. codes[math.random(#codes)], headers)
end
