-- Read-only (no prelude). Every entry, status and active hold with the last event id, atomically.
-- KEYS: capacity, status, holds, due, events
-- ARGV: none
-- Returns {capacity JSONs, status JSONs, active hold JSONs, last event id}.
local holds = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  local raw = redis.call('HGET', KEYS[3], id)
  if raw then holds[#holds + 1] = raw end
end
local last = redis.call('XREVRANGE', KEYS[5], '+', '-', 'COUNT', 1)
local last_id = '0'
if #last > 0 then last_id = last[1][1] end
return {redis.call('HVALS', KEYS[1]), redis.call('HVALS', KEYS[2]), holds, last_id}
