// uninstall(): the way out must work from the pins alone, with no daemon and no skeleton, so a
// node can always be unlocked.
#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/logger.h"
#include "kernel/datapath.h"
#include "kernel/install_record.h"
#include "kernel/map_writer.h"
#include "kernel/pod_attach.h"
#include "kernel/tc_backstop.h"

namespace egress::kernel {
namespace {

Status remove_pin(const std::string& path) {
	if (unlink(path.c_str()) != 0 && errno != ENOENT)
		return Error::from_errno(errno, "unpinning " + path);
	return ok_status();
}

// TC-mode pod programs are filters, not links: the pods map says where they are (TCX ones were
// links, detached above).
Status detach_pod_filters(const PinLayout& pins) {
	std::string path = pins.map(MapId::pods);
	int fd = bpf_obj_get(path.c_str());
	if (fd < 0)
		return errno == ENOENT ? ok_status() : Error::from_errno(errno, "opening " + path);
	UniqueFd owned(fd);
	auto map = TypedMap<uint32_t, egress_pod_iface>::open(fd);
	if (!map.ok())
		return std::move(map).error();
	auto entries = map->entries();
	if (!entries.ok())
		return std::move(entries).error();
	for (const auto& [ifindex, pod] : *entries)
		if (!(pod.flags & EGRESS_POD_TCX))
			EGRESS_TRY(detach_pod_programs(ifindex, pod.flags, pins));
	return ok_status();
}

} // namespace

Status uninstall(const std::string& pin_dir) {
	PinLayout pins(pin_dir);
	// Links first: detaching (not just unpinning) takes the programs off the cgroup even if some
	// other process still holds a link fd.
	for (const std::string& name : pinned_names(pins.links_dir())) {
		std::string path = pins.links_dir() + "/" + name;
		int fd = bpf_obj_get(path.c_str());
		if (fd >= 0) {
			UniqueFd link(fd);
			// ENOLINK: already detached (a pod's interface went away); EOPNOTSUPP: a link kind
			// without detach (BPF LSM's, before 6.x): unpinning its last reference detaches it.
			if (bpf_link_detach(link.get()) != 0 && errno != ENOLINK && errno != EOPNOTSUPP)
				return Error::from_errno(errno, "detaching link " + path);
		}
		EGRESS_TRY(remove_pin(path));
	}
	if (pins.installed()) {
		auto fd = open_pinned_map(pins, MapId::install);
		if (!fd.ok())
			return std::move(fd).error();
		auto info = read_install_record(fd->get());
		if (info.ok() && info->tc_ifindex != 0) {
			TcAttachment tc{info->tc_ifindex, (info->flags & EGRESS_INSTALL_TC_QDISC_OURS) != 0};
			EGRESS_TRY_CTX(detach_tc_backstop(tc), "removing the TC backstop");
		}
		EGRESS_TRY(detach_pod_filters(pins));
	}
	for (const std::string& name : pinned_names(pins.maps_dir()))
		EGRESS_TRY(remove_pin(pins.maps_dir() + "/" + name));
	// The pin dir itself may be a bpffs mount point (tests): then it stays, empty.
	rmdir(pins.links_dir().c_str());
	rmdir(pins.maps_dir().c_str());
	rmdir(pin_dir.c_str());
	log::info("kernel") << "uninstalled the datapath pinned at " << pin_dir;
	return ok_status();
}

} // namespace egress::kernel
