-- Expire the active holds whose held_until has passed, a bounded number per run.
-- KEYS: capacity, holds, due, events, op
-- ARGV: now_ms, maxlen, op_ttl, batch, max
local cap, holds, due, events, op = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, maxlen, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local batch, max = tonumber(ARGV[4]), tonumber(ARGV[5])
local done = redis.call('GET', op)
if done then return done end
local out = {}
while #out < max do
  local ids = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, batch)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', holds, id)
    local h = raw and cjson.decode(raw)
    if h and h.status == 'held' then
      out[#out + 1] = end_hold(cap, holds, due, events, maxlen, h, 'expired', now)
    else
      redis.call('ZREM', due, id)
    end
  end
end
local reply = cjson.encode(out)
redis.call('SET', op, reply, 'EX', ttl)
return reply
