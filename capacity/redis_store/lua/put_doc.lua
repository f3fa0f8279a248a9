-- A versioned record (a request or a trajectory record), changed by compare-and-set, with its event and
-- the patient's trajectory events, all in one script. The record's body is JSON text kept as given:
-- this script never parses it (the version lives in its own hash).
-- KEYS: bodies hash, versions hash, creation-ordered zset of all records (or the versions hash again: unused),
--       open zset (or the versions hash again), events stream, op, trajectory events list (or the versions hash)
-- ARGV: id, body, open ('1', '0' or '-': no sets), expected version (-1: create), now_ms, maxlen, op_ttl,
--       event type ('' for none), event data JSON, then each trajectory event text (ARGV[10] onwards)
-- A create scores the id by now_ms in the set of all records; the open set takes the same score.
local bodies, versions, all, open_set = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local events, op, tevents = KEYS[5], KEYS[6], KEYS[7]
local id, expected = ARGV[1], tonumber(ARGV[4])
local done = redis.call('GET', op)
if done then return done end
local cur = redis.call('HGET', versions, id)
local version
if expected < 0 then
  if cur then return fail('conflict', id .. ' exists already') end
  version = 1
else
  if not cur then return fail('not_found', 'no record ' .. id) end
  cur = tonumber(cur)
  if cur ~= expected then
    return fail('conflict', id .. ' was changed meanwhile (version ' .. cur .. '); read it again')
  end
  version = expected + 1
end
redis.call('HSET', bodies, id, ARGV[2])
redis.call('HSET', versions, id, version)
if ARGV[3] ~= '-' then
  if version == 1 then redis.call('ZADD', all, ARGV[5], id) end
  if ARGV[3] == '1' then
    redis.call('ZADD', open_set, redis.call('ZSCORE', all, id), id)
  else
    redis.call('ZREM', open_set, id)
  end
end
if ARGV[8] ~= '' then
  redis.call('XADD', events, 'MAXLEN', '~', ARGV[6], '*', 'ts', ARGV[5], 'type', ARGV[8], 'data', ARGV[9])
end
for i = 10, #ARGV do
  redis.call('RPUSH', tevents, ARGV[i])
end
local reply = cjson.encode({version = version})
redis.call('SET', op, reply, 'EX', ARGV[7])
return reply
