package secretcache

// CacheHook lets a program transform what the cache keeps for each secret
// version, for example to encrypt it in memory (package hook ships one).
//
// Put receives a *secretsmanager.GetSecretValueOutput holding the fetched
// version: ARN, Name, VersionId, VersionStages, CreatedDate and exactly one
// of SecretString or SecretBinary. It is a fresh copy that the cache does not
// keep: Put may keep, modify or discard it. Whatever Put returns is what the
// cache stores for that version.
//
// Get receives what Put returned and must return a
// *secretsmanager.GetSecretValueOutput equivalent to the one Put received.
// The cache hands its SecretString or SecretBinary to the caller and does not
// keep the result.
//
// Either method may return an error value instead; the cache then reports a
// *HookError wrapping it to the caller (from Put, the fetch fails; from Get,
// that call fails) instead of panicking or returning a wrong value.
//
// Put is called once per fetched version and Get once per cache hit, possibly
// from many goroutines at once: implementations must be safe for concurrent
// use.
type CacheHook interface {
	Put(data interface{}) interface{}
	Get(data interface{}) interface{}
}
