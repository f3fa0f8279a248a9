-- Confirm, release or expire one hold (idempotent by the hold's state as well).
-- KEYS: capacity, holds, due, events, op (op:<hold_id>:<status>)
-- ARGV: now_ms, hold_id, target status (confirmed|released|expired), maxlen, op_ttl
local cap, holds, due, events, op = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, hold_id, target, maxlen, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5]
-- A stored refusal (a confirm that found the hold past its time) is answered again;
-- a stored success is answered from the hold's state below, which is the same.
local done = redis.call('GET', op)
if done and cjson.decode(done).err then return done end
local raw = redis.call('HGET', holds, hold_id)
if not raw then return fail('not_found', 'no hold ' .. hold_id) end
local h = cjson.decode(raw)
if h.status == target then
  local entry = redis.call('HGET', cap, h.provider_id .. '|' .. h.care_type)
  return '{"hold":' .. raw .. ',"entry":' .. entry .. '}'
end
if h.status ~= 'held' then
  if target == 'confirmed' then
    return fail('invalid_transition', 'the hold was ' .. h.status .. ' and cannot be confirmed')
  end
  return fail('invalid_transition', 'the hold was already ' .. h.status)
end
local reply
if target == 'confirmed' and h.held_until <= now then
  end_hold(cap, holds, due, events, maxlen, h, 'expired', now)
  reply = fail('invalid_transition', 'the hold expired before it was confirmed')
else
  local ended, e = end_hold(cap, holds, due, events, maxlen, h, target, now)
  reply = cjson.encode({hold = ended, entry = e})
end
redis.call('SET', op, reply, 'EX', ttl)
return reply
