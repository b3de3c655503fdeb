#include "clock.h"

#include <time.h>

namespace egress {

uint64_t SystemClock::boot_ns() const {
	timespec ts{};
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

std::chrono::system_clock::time_point SystemClock::wall() const {
	return std::chrono::system_clock::now();
}

const SystemClock& SystemClock::instance() {
	static const SystemClock clock;
	return clock;
}

uint64_t boot_ns() {
	return SystemClock::instance().boot_ns();
}

} // namespace egress
