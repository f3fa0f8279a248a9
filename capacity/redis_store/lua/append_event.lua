-- Append an application event to the stream; returns its id. (No prelude.)
-- KEYS: events, op
-- ARGV: now_ms, type, data JSON, maxlen, op_ttl
local done = redis.call('GET', KEYS[2])
if done then return done end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*',
                      'ts', ARGV[1], 'type', ARGV[2], 'data', ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[5])
return id
