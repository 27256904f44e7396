package flows

// SetFireHook sets the hook a firing calls at its named points ("claimed", "launched"), for the
// crash test's child process; nil removes it.
func SetFireHook(f func(point string)) { fireHook = f }
