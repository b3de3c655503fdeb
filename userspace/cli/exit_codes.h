// egressctl's exit codes (docs/cli.md is the user-facing table). Scripts depend on them: append only.
#pragma once

namespace egress::cli {

enum ExitCode : int {
	kExitOk = 0,          // success; `check`: the destination is allowed
	kExitDenied = 1,      // `check`: the destination is denied (the answer, not a failure)
	kExitUsage = 2,       // bad command line: unknown verb or flag, bad flag value, missing argument
	kExitBadInput = 3,    // an input file is unreadable or invalid (config, catalog, ServiceTags)
	kExitFailure = 4,     // anything else that failed (writing the output, ...)
	kExitUnavailable = 5, // online verbs: egressd unreachable and the pinned maps cannot answer
};

} // namespace egress::cli
