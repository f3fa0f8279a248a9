-- Revoke a token: delete its grant and last-use time, and append token.revoked only when a grant
-- was deleted (a retried call appends nothing twice). Returns 1 when revoked, 0 when unknown. (No prelude.)
-- KEYS: tokens, tokens:used, events
-- ARGV: token hash, now_ms, data JSON, maxlen
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'ts', ARGV[2], 'type', 'token.revoked', 'data', ARGV[3])
return 1
