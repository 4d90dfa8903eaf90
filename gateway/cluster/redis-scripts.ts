/**
 * The Lua scripts the Redis presence store runs. Each does one batch atomically on the server,
 * so "newest session wins" and "only the holder removes its entry" hold however the instances'
 * writes interleave, and a batch costs one round trip.
 *
 * Per device a hash `<prefix>dev:<uuid>` (uuid, fqdn, instance, internal, remote, since,
 * lastSeen, session) with a TTL; instances' heartbeats in the sorted set `<prefix>instances`
 * scored with Redis's own clock (no skew between machines); events on `<prefix>presence`.
 */

/** Fields per entry in REGISTER's ARGV (after the TTL and the channel). */
export const REGISTER_STRIDE = 9

/**
 * KEYS: device hashes. ARGV: ttl ms, channel, then per entry uuid, fqdn, instance, internal,
 * remote, since, lastSeen, session, the event's JSON. Returns per entry 1 registered, 0 a newer
 * session holds the UUID.
 */
export const REGISTER_LUA = `
local ttl = ARGV[1]
local out = {}
for i = 1, #KEYS do
  local b = 2 + (i - 1) * ${REGISTER_STRIDE}
  local since = tonumber(ARGV[b + 6])
  local session = ARGV[b + 8]
  local cur = redis.call('HMGET', KEYS[i], 'since', 'session')
  local held = tonumber(cur[1])
  if held and (held > since or (held == since and cur[2] > session)) then
    out[i] = 0
  else
    redis.call('HSET', KEYS[i], 'uuid', ARGV[b + 1], 'fqdn', ARGV[b + 2], 'instance', ARGV[b + 3], 'internal', ARGV[b + 4],
      'remote', ARGV[b + 5], 'since', ARGV[b + 6], 'lastSeen', ARGV[b + 7], 'session', session)
    redis.call('PEXPIRE', KEYS[i], ttl)
    redis.call('PUBLISH', ARGV[2], ARGV[b + 9])
    out[i] = 1
  end
end
return out
`

/** KEYS: device hashes. ARGV: channel, then per entry session, the event's JSON. Deletes only the holder's entry. */
export const UNREGISTER_LUA = `
for i = 1, #KEYS do
  local b = 1 + (i - 1) * 2
  if redis.call('HGET', KEYS[i], 'session') == ARGV[b + 1] then
    redis.call('DEL', KEYS[i])
    redis.call('PUBLISH', ARGV[1], ARGV[b + 2])
  end
end
return #KEYS
`

/**
 * KEYS: device hashes. ARGV: ttl ms, then per entry session, since, lastSeen. Returns per entry
 * 1 refreshed, 0 missing (expired, or lost with a Redis restart), 2 a newer session holds it.
 */
export const REFRESH_LUA = `
local out = {}
for i = 1, #KEYS do
  local b = 1 + (i - 1) * 3
  local cur = redis.call('HMGET', KEYS[i], 'session', 'since')
  if not cur[1] then
    out[i] = 0
  elseif cur[1] == ARGV[b + 1] then
    redis.call('HSET', KEYS[i], 'lastSeen', ARGV[b + 3])
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    out[i] = 1
  else
    local held = tonumber(cur[2]) or 0
    local since = tonumber(ARGV[b + 2])
    if held > since or (held == since and cur[1] > ARGV[b + 1]) then out[i] = 2 else out[i] = 0 end
  end
end
return out
`

/**
 * KEYS[1]: the instances' sorted set. ARGV: instance, ttl ms. Scores this instance with the
 * server's clock; returns the instances not heard from for a TTL. Those stay listed (every
 * instance must see them) until ten TTLs have passed.
 */
export const HEARTBEAT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 10 * ttl)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
`
