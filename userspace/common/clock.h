// Clock: the time sources the daemon needs, behind an interface so pure code (resolver TTLs,
// aggregation windows) can be tested with a manual clock.
//
// boot_ns() is CLOCK_BOOTTIME, the clock of bpf_ktime_get_boot_ns(): learned-address expiry and
// the daemon heartbeat written to BPF maps use it. wall() is for timestamps shown to people.
#pragma once

#include <chrono>
#include <cstdint>

namespace egress {

class Clock {
public:
	virtual ~Clock() = default;
	virtual uint64_t boot_ns() const = 0;
	virtual std::chrono::system_clock::time_point wall() const = 0;
};

class SystemClock final : public Clock {
public:
	uint64_t boot_ns() const override;
	std::chrono::system_clock::time_point wall() const override;
	static const SystemClock& instance();
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
public:
	explicit ManualClock(uint64_t boot_ns = 1'000'000'000ULL,
	                     std::chrono::system_clock::time_point wall = {})
	    : boot_(boot_ns), wall_(wall) {}
	uint64_t boot_ns() const override { return boot_; }
	std::chrono::system_clock::time_point wall() const override { return wall_; }
	void advance(std::chrono::nanoseconds d) {
		boot_ += static_cast<uint64_t>(d.count());
		wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
	}

private:
	uint64_t boot_;
	std::chrono::system_clock::time_point wall_;
};

// The one boot clock of the userspace: SystemClock::instance().boot_ns().
uint64_t boot_ns();

} // namespace egress
