-- Extend a lease only while its holder still holds it.
-- KEYS[1] the lease key; ARGV[1] the holder; ARGV[2] the new time to live in ms.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
