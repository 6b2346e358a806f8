package hook

// Funcs is a secretcache.CacheHook made of two functions, for hooks too small
// to deserve a type: counting hits, checking a value, wrapping it. A nil
// function passes its argument through unchanged.
//
// The fields are PutFunc and GetFunc rather than Put and Get because Go does
// not allow a field and a method of the same name, and Funcs must have the
// methods to be a hook.
//
// The cache calls GetFunc on every hit from many goroutines at once, so both
// functions must be safe for concurrent use. Either may return an error value
// in place of its result; the cache reports it as a *secretcache.HookError.
type Funcs struct {
	// PutFunc transforms what the cache is about to store; nil keeps it.
	PutFunc func(data any) any
	// GetFunc undoes PutFunc on a hit; nil returns the stored value.
	GetFunc func(data any) any
}

// Put calls f.PutFunc, or returns data if it is nil.
func (f Funcs) Put(data any) any {
	if f.PutFunc == nil {
		return data
	}
	return f.PutFunc(data)
}

// Get calls f.GetFunc, or returns data if it is nil.
func (f Funcs) Get(data any) any {
	if f.GetFunc == nil {
		return data
	}
	return f.GetFunc(data)
}
