-- Give back the unit of a confirmed hold (the patient left): once per hold.
-- KEYS: capacity, holds, events, op (op:return:<hold_id>), all in the region's hash slot
-- ARGV: now_ms, hold_id, available ('' for one more unit), maxlen, op_ttl
local cap, holds, events, op = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, hold_id, set_to, maxlen, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local done = redis.call('GET', op)
if done then return done end
local raw = redis.call('HGET', holds, hold_id)
if not raw then return fail('not_found', 'no hold ' .. hold_id) end
local h = cjson.decode(raw)
if h.status ~= 'confirmed' then
  return fail('invalid_transition', 'the hold was ' .. h.status .. ': only a placement\'s unit is given back')
end
local field = h.provider_id .. '|' .. h.care_type
local e = cjson.decode(redis.call('HGET', cap, field))
local count = e.available + 1
if set_to ~= '' then count = tonumber(set_to) end
e.available = math.max(0, math.min(e.total, count))
e.version = e.version + 1
redis.call('HSET', cap, field, cjson.encode(e))
xadd(events, maxlen, now, 'capacity.returned', {hold_id = hold_id, entry = e})
local reply = cjson.encode({entry = e})
redis.call('SET', op, reply, 'EX', ttl)
return reply
