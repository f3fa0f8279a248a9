-- Copy every key of one region, in one atomic step, to short-lived copies that the backup then reads at leisure.
-- KEYS[1]  the region's backup marker (routes the call to the region's slot; not written)
-- ARGV[1]  the region's key prefix ("zcc:{R}:"); ARGV[2] the SCAN pattern of that prefix (glob-escaped)
-- ARGV[3]  the backup id; ARGV[4] the copies' time to live (ms)
-- Returns {suffix, type, pttl} per key (pttl -1: no expiry). COPY is a server-side copy, so Redis is held only
-- as long as copying the region's data in memory takes, and every copy is of the same moment.
local prefix, pattern, id, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local skip = prefix .. 'backup:'
local out = {}
local cursor = '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    if string.sub(key, 1, #skip) ~= skip then
      local suffix = string.sub(key, #prefix + 1)
      local copy = skip .. id .. ':' .. suffix
      redis.call('COPY', key, copy, 'REPLACE')
      redis.call('PEXPIRE', copy, ttl)
      out[#out + 1] = {suffix, redis.call('TYPE', key)['ok'], redis.call('PTTL', key)}
    end
  end
until cursor == '0'
return out
