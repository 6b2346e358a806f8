package secretcache

import "context"

// The methods in this file are the API of aws-secretsmanager-caching-go,
// kept signature for signature so that code written for it compiles after
// changing the import path. Each is a one-line delegation; the behaviour is
// documented on the method it calls.

// GetSecretString returns the SecretString of the configured VersionStage
// (AWSCURRENT by default) of the secret secretId, a name or an ARN.
func (c *Cache) GetSecretString(secretId string) (string, error) {
	return c.getString(context.Background(), secretId, "")
}

// GetSecretStringWithContext is GetSecretString with a context that bounds
// how long the caller waits for a fetch; see the package documentation.
func (c *Cache) GetSecretStringWithContext(ctx context.Context, secretId string) (string, error) {
	return c.getString(ctx, secretId, "")
}

// GetSecretStringWithStage returns the SecretString of the version of
// secretId labelled versionStage (the configured stage if empty). Each stage
// is cached on its own.
func (c *Cache) GetSecretStringWithStage(secretId, versionStage string) (string, error) {
	return c.getString(context.Background(), secretId, versionStage)
}

// GetSecretStringWithStageWithContext is GetSecretStringWithStage with a
// context. A version that holds only SecretBinary is an
// *InvalidOperationError.
func (c *Cache) GetSecretStringWithStageWithContext(ctx context.Context, secretId, versionStage string) (string, error) {
	return c.getString(ctx, secretId, versionStage)
}

// GetSecretBinary returns a copy of the SecretBinary of the configured
// VersionStage of secretId.
func (c *Cache) GetSecretBinary(secretId string) ([]byte, error) {
	return c.getBinary(context.Background(), secretId, "")
}

// GetSecretBinaryWithContext is GetSecretBinary with a context.
func (c *Cache) GetSecretBinaryWithContext(ctx context.Context, secretId string) ([]byte, error) {
	return c.getBinary(ctx, secretId, "")
}

// GetSecretBinaryWithStage returns a copy of the SecretBinary of the version
// of secretId labelled versionStage.
func (c *Cache) GetSecretBinaryWithStage(secretId, versionStage string) ([]byte, error) {
	return c.getBinary(context.Background(), secretId, versionStage)
}

// GetSecretBinaryWithStageWithContext is GetSecretBinaryWithStage with a
// context. The result is a copy the caller may modify. A version that holds
// only SecretString is an *InvalidOperationError.
func (c *Cache) GetSecretBinaryWithStageWithContext(ctx context.Context, secretId, versionStage string) ([]byte, error) {
	return c.getBinary(ctx, secretId, versionStage)
}

// RefreshNow fetches the configured stage of secretId now, as Refresh does,
// and discards the outcome, as AWS's method of the same name does. Use
// Refresh to learn whether the fetch succeeded.
func (c *Cache) RefreshNow(secretId string) {
	c.Refresh(context.Background(), secretId, "")
}

// RefreshNowWithContext is RefreshNow with a context that bounds how long
// the caller waits; the fetch itself goes on for the other callers.
func (c *Cache) RefreshNowWithContext(ctx context.Context, secretId string) {
	c.Refresh(ctx, secretId, "")
}
