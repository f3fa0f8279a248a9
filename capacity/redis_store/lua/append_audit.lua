-- Append one audit entry linked to the last one (the hash chain), and apply the retention. (No prelude.)
-- KEYS: audit, audit head[, the patient's audit]
-- ARGV: id, at_ms, body, cutoff_ms, expected head ("" for none), prev hash, hash, patient ttl s
-- The head is "<seq> <hash>" of the last entry. When it is not the one the caller linked to (another
-- writer came first) nothing is written and {"moved", head} tells the caller to link again; a head
-- that already is this entry's hash means a retried call that had landed: {"ok", seq}, nothing written.
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[5] then
  local _, hash = string.match(head, '^(%d+) (%x+)$')
  if hash == ARGV[7] then
    return {'ok', string.match(head, '^(%d+) ')}
  end
  return {'moved', head}
end
local seq = 1
if head ~= '' then
  seq = tonumber(string.match(head, '^(%d+) ')) + 1
end
local member = ARGV[1] .. ' ' .. seq .. ' ' .. ARGV[6] .. ' ' .. ARGV[7] .. ' ' .. ARGV[3]
redis.call('ZADD', KEYS[1], ARGV[2], member)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
redis.call('SET', KEYS[2], seq .. ' ' .. ARGV[7])
if KEYS[3] then
  redis.call('ZADD', KEYS[3], ARGV[2], member)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
  redis.call('EXPIRE', KEYS[3], ARGV[8])
end
return {'ok', tostring(seq)}
