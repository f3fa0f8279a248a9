-- Store a provider's (or one of its care types') stop status with the next version, and its event.
-- KEYS: status, events, op
-- ARGV: op_id, status JSON, ts_ms, maxlen, op_ttl, field (ProviderStatus.key: provider or provider|care_type)
local key, events, op = KEYS[1], KEYS[2], KEYS[3]
local done = redis.call('GET', op)
if done then return done end
local s = cjson.decode(ARGV[2])
local raw = redis.call('HGET', key, ARGV[6])
if raw then
  s.version = cjson.decode(raw).version + 1
else
  s.version = 1
end
redis.call('HSET', key, ARGV[6], cjson.encode(s))
xadd(events, ARGV[4], tonumber(ARGV[3]), 'provider.status', {op = ARGV[1], status = s})
local reply = cjson.encode(s)
redis.call('SET', op, reply, 'EX', ARGV[5])
return reply
