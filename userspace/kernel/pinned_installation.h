// A read-only view of an installation through its pins: what `egressctl status|ips|check` read
// when egressd is down. Every map is opened read-only (BPF_F_RDONLY), so inspecting can never
// change what the kernel enforces.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <egress/abi.h>

#include "common/result.h"
#include "common/unique_handle.h"
#include "kernel/map_writer.h"
#include "kernel/maps.h"
#include "kernel/pins.h"
#include "kernel/verdict_maps.h"

namespace egress::kernel {

class PinnedInstallation {
public:
	// ENOENT when nothing is installed at pin_dir.
	static Result<PinnedInstallation> open(const std::string& pin_dir);

	const PinLayout& pins() const { return pins_; }
	// -1 for a map the installation does not have (an older layout never gets this far).
	int fd(MapId id) const;

	Result<egress_config> config() const;
	Result<egress_install_info> install() const;
	// Summed per CPU, indexed by EGRESS_COUNTER_INDEX(hook, reason).
	Result<std::vector<uint64_t>> counters() const;
	// Fill levels of the maps whose fill means something (MapInfo::reports_fill).
	std::vector<MapFill> fills() const;
	VerdictMaps verdict_maps() const;
	// The programs whose links are pinned (links/<program>).
	std::vector<std::string> links() const;

private:
	explicit PinnedInstallation(PinLayout pins) : pins_(std::move(pins)) {}
	PinLayout pins_;
	std::vector<UniqueFd> fds_; // indexed by MapId
};

} // namespace egress::kernel
