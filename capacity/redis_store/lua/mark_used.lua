-- Record when tokens were last used: KEYS[1] the token-use hash; ARGV pairs of token hash and ms.
-- An earlier time never replaces a later one (instances report their own uses, in any order).
for i = 1, #ARGV, 2 do
  local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > cur then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1
