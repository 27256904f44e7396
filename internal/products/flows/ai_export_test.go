package flows

// SetAIAfterWrite installs the AI jobs' test hook, called inside each item's transaction after its
// write (the crash tests stop the process there).
func SetAIAfterWrite(s *Service, f func(job string, item int)) { s.ai.afterWrite = f }

// SetRetentionBatch changes the chat retention's batch size, for the crash test's child process
// only (it is a package variable).
func SetRetentionBatch(n int) { retentionBatch = n }
