-- Take one free unit of a fresh, unstopped entry for a hold; the hold id is the op id.
-- KEYS: capacity, status, holds, due, events, op, [idem]
-- ARGV: now_ms, hold JSON, maxlen, op_ttl, [fingerprint]
local cap, status, holds, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local events, op, idem = KEYS[5], KEYS[6], KEYS[7]
local now, maxlen, ttl = tonumber(ARGV[1]), ARGV[3], ARGV[4]
local h = cjson.decode(ARGV[2])
local hold_id = h.hold_id
-- The op record says this very hold was taken: answer from its current state, like a repeat.
if redis.call('EXISTS', op) == 0 and idem then
  local rec = redis.call('GET', idem)
  if rec then
    rec = cjson.decode(rec)
    if rec.fingerprint ~= ARGV[5] then
      return fail('idempotency_mismatch',
        'this Idempotency-Key was used before with a different request body', 'Idempotency-Key')
    end
    hold_id = rec.response.hold_id
  end
end
local existing = redis.call('HGET', holds, hold_id)
if existing then
  local ex = cjson.decode(existing)
  local entry = redis.call('HGET', cap, ex.provider_id .. '|' .. ex.care_type)
  return '{"hold":' .. existing .. ',"entry":' .. entry .. '}'
end
local field = h.provider_id .. '|' .. h.care_type
local raw = redis.call('HGET', cap, field)
if not raw then
  return fail('not_found', h.provider_id .. ' offers no ' .. h.care_type, 'care_type')
end
-- The provider's own stop, then its care type's (the same rule as capacity.rules.stop_in_force).
for _, sfield in ipairs({h.provider_id, field}) do
  local st = redis.call('HGET', status, sfield)
  if st then
    st = cjson.decode(st)
    if st.status == 'stop' and (isnull(st['until']) or st['until'] > now) then
      return fail('place_gone', h.provider_id .. ' is under a stop')
    end
  end
end
local e = cjson.decode(raw)
if isnull(e.valid_until) or e.valid_until <= now then
  return fail('place_gone', 'capacity of ' .. h.provider_id .. ' ' .. h.care_type .. ' is stale (unknown)')
end
if e.available - e.held <= 0 then
  return fail('place_gone', 'no free ' .. h.care_type .. ' left at ' .. h.provider_id)
end
e.held = e.held + 1
e.version = e.version + 1
redis.call('HSET', cap, field, cjson.encode(e))
redis.call('HSET', holds, h.hold_id, ARGV[2])
redis.call('ZADD', due, h.held_until, h.hold_id)
xadd(events, maxlen, now, 'hold.created', {hold = h, entry = e})
if idem then
  redis.call('SET', idem, cjson.encode({fingerprint = ARGV[5], response = {hold_id = h.hold_id}}), 'EX', ttl)
end
local reply = cjson.encode({hold = h, entry = e})
redis.call('SET', op, reply, 'EX', ttl)
return reply
