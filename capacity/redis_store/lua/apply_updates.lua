-- Apply capacity reports; several apply_updates calls (ops) share one run (group commit, capacity.py).
-- KEYS: capacity, events, then each op's op key and (if any) idempotency key
-- ARGV: maxlen, op_ttl, ops JSON: [{op_id, now, updates, op_key, idem_key?, fp?}] (key fields index KEYS)
-- Returns one JSON reply per op, in order. Each op is checked and applied on its own, as if it came alone.
local cap, events = KEYS[1], KEYS[2]
local maxlen, ttl = ARGV[1], ARGV[2]
local replies = {}
for n, o in ipairs(cjson.decode(ARGV[3])) do
  local op = KEYS[o.op_key]
  local idem = nil
  if not isnull(o.idem_key) then idem = KEYS[o.idem_key] end
  local reply = redis.call('GET', op)
  if not reply and idem then
    local rec = redis.call('GET', idem)
    if rec then
      rec = cjson.decode(rec)
      if rec.fingerprint ~= o.fp then
        reply = fail('idempotency_mismatch',
          'this Idempotency-Key was used before with a different request body', 'Idempotency-Key')
      else
        reply = cjson.encode({results = rec.response, replay = true})
      end
    end
  end
  if not reply then
    local results, applied = {}, {}
    for i, u in ipairs(o.updates) do
      local field = u.provider_id .. '|' .. u.care_type
      local raw = redis.call('HGET', cap, field)
      local cur
      if raw then
        cur = cjson.decode(raw)
      else
        cur = {held = 0, version = 0, reported_at = cjson.null}
      end
      local status = 'applied'
      if not isnull(cur.reported_at) and u.reported_at < cur.reported_at then
        status = 'stale_ignored'
      else
        local new = {
          provider_id = u.provider_id, care_type = u.care_type, total = u.total,
          available = u.available, held = cur.held, reported_at = u.reported_at,
          valid_until = u.valid_until, version = cur.version + 1,
        }
        redis.call('HSET', cap, field, cjson.encode(new))
        xadd(events, maxlen, o.now, 'capacity.updated', {op = o.op_id, entry = new})
        applied[#applied + 1] = new
      end
      results[i] = {provider_id = u.provider_id, care_type = u.care_type, status = status}
    end
    if idem then
      redis.call('SET', idem, cjson.encode({fingerprint = o.fp, response = results}), 'EX', ttl)
    end
    reply = cjson.encode({results = results, replay = false, entries = applied})
    redis.call('SET', op, reply, 'EX', ttl)
  end
  replies[n] = reply
end
return replies
