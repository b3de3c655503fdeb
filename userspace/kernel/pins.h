// Where an installation lives in bpffs: <dir>/maps/<map name> and <dir>/links/<program name>.
// The pins keep programs attached and maps alive while no daemon runs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/unique_handle.h"
#include "kernel/maps.h"

namespace egress::kernel {

inline constexpr std::string_view kDefaultPinDir = "/sys/fs/bpf/aks-egress-guard";

class PinLayout {
public:
	explicit PinLayout(std::string dir) : dir_(std::move(dir)) {}

	const std::string& dir() const { return dir_; }
	std::string maps_dir() const { return dir_ + "/maps"; }
	std::string links_dir() const { return dir_ + "/links"; }
	std::string map(MapId id) const { return maps_dir() + "/" + std::string(map_name(id)); }
	std::string map(std::string_view name) const { return maps_dir() + "/" + std::string(name); }
	std::string link(std::string_view program) const { return links_dir() + "/" + std::string(program); }

	// True when an installation (its install-info map) is pinned here.
	bool installed() const;

private:
	std::string dir_;
};

// Makes sure `dir` exists on a bpffs, creating it (and maps/, links/). A directory outside
// bpffs is an error that says how to fix it; with mount_parent, a bpffs is mounted on the
// missing parent first (what an init container would do on a node without /sys/fs/bpf).
// True when it mounted one: that bpffs lives in the caller's mount namespace, so in a container
// the pins, and the programs attached through them, end with the container.
Result<bool> prepare_pin_dir(const PinLayout& pins, bool mount_parent);

bool is_bpffs(const std::string& path);

// The names in a pin directory (links/ or maps/), sorted; none when it does not exist.
std::vector<std::string> pinned_names(const std::string& dir);

// Opens a pinned map (read and write), e.g. for egressctl while the daemon is down.
Result<UniqueFd> open_pinned_map(const PinLayout& pins, MapId id);

} // namespace egress::kernel
