-- Shared helpers, prepended (by scripts.py) to every script that uses them.
-- ``fail`` returns an error as a JSON object that the Python side maps to the same
-- exception the SQLite store raises (scripts.py, ERRORS).
local function fail(code, msg, field)
  return cjson.encode({err = code, msg = msg, field = field})
end
local function isnull(v)
  return v == nil or v == cjson.null
end
local function xadd(events, maxlen, now, type_, data)
  if type_ == 'capacity.updated' then
    -- The entry's key and version as plain fields: a follower skips what it already has without decoding.
    local e = data.entry
    return redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*', 'ts', now, 'type', type_,
                      'data', cjson.encode(data), 'ek', e.provider_id .. '|' .. e.care_type, 'ev', e.version)
  end
  return redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*',
                    'ts', now, 'type', type_, 'data', cjson.encode(data))
end
-- Move an active hold to its final status; a confirmation also consumes the unit.
local function end_hold(cap, holds, due, events, maxlen, hold, status, now)
  local field = hold.provider_id .. '|' .. hold.care_type
  local e = cjson.decode(redis.call('HGET', cap, field))
  local consumed = 0
  if status == 'confirmed' then consumed = 1 end
  e.available = math.max(0, e.available - consumed)
  e.held = math.max(0, e.held - 1)
  e.version = e.version + 1
  hold.status = status
  hold.ended_at = now
  redis.call('HSET', cap, field, cjson.encode(e))
  redis.call('HSET', holds, hold.hold_id, cjson.encode(hold))
  redis.call('ZREM', due, hold.hold_id)
  xadd(events, maxlen, now, 'hold.' .. status, {hold = hold, entry = e})
  return hold, e
end
