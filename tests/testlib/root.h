// Tests that need root and BPF: skipped on a developer's unprivileged run, but a failure in CI
// (CI=true), where skipping them would hide exactly what they exist to check.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

#include "system.h"

#define EGRESS_REQUIRE_ROOT()                                                                                \
	do {                                                                                                 \
		if (!::egress::testlib::is_root()) {                                                         \
			if (std::getenv("CI"))                                                               \
				FAIL() << "this test needs root and runs in CI";                             \
			GTEST_SKIP() << "needs root (BPF, namespaces, cgroups)";                             \
		}                                                                                            \
	} while (0)
