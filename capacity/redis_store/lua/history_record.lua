-- Keep one sample per bucket in each history key, the one with the highest version.
-- KEYS: one sorted set per (resolution, entry), all in the region's slot.
-- ARGV: for each key, in order: bucket, version, member ("bucket:version:at:available:held:total:valid_until").
for i, key in ipairs(KEYS) do
  local bucket = ARGV[3 * i - 2]
  local version = tonumber(ARGV[3 * i - 1])
  local member = ARGV[3 * i]
  local old = redis.call('ZRANGE', key, bucket, bucket, 'BYSCORE')
  local keep = true
  for _, m in ipairs(old) do
    local v = tonumber(string.match(m, '^[^:]+:([^:]+):'))
    if v ~= nil and v > version then keep = false end
  end
  if keep then
    redis.call('ZREMRANGEBYSCORE', key, bucket, bucket)
    redis.call('ZADD', key, bucket, member)
  end
end
return 1
