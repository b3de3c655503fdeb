// uninstall(): the way out must work from the pins alone, with no daemon and no skeleton, so a
// node can always be unlocked.
#include <bpf/bpf.h>
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/logger.h"
#include "kernel/datapath.h"
#include "kernel/tc_backstop.h"

namespace egress::kernel {
namespace {

std::vector<std::string> entries_of(const std::string& dir) {
	std::vector<std::string> names;
	DIR* d = opendir(dir.c_str());
	if (!d)
		return names;
	while (dirent* e = readdir(d)) {
		std::string n = e->d_name;
		if (n != "." && n != "..")
			names.push_back(dir + "/" + n);
	}
	closedir(d);
	return names;
}

Status remove_pin(const std::string& path) {
	if (unlink(path.c_str()) != 0 && errno != ENOENT)
		return Error::from_errno(errno, "unpinning " + path);
	return ok_status();
}

} // namespace

Status uninstall(const std::string& pin_dir) {
	PinLayout pins(pin_dir);
	// Links first: detaching (not just unpinning) takes the programs off the cgroup even if some
	// other process still holds a link fd.
	for (const std::string& path : entries_of(pins.links_dir())) {
		int fd = bpf_obj_get(path.c_str());
		if (fd >= 0) {
			UniqueFd link(fd);
			if (bpf_link_detach(link.get()) != 0 && errno != ENOLINK)
				return Error::from_errno(errno, "detaching link " + path);
		}
		EGRESS_TRY(remove_pin(path));
	}
	if (pins.installed()) {
		auto fd = open_pinned_map(pins, MapId::install);
		if (!fd.ok())
			return std::move(fd).error();
		uint32_t zero = 0;
		egress_install_info info{};
		if (bpf_map_lookup_elem(fd->get(), &zero, &info) == 0 && info.tc_ifindex != 0) {
			TcAttachment tc{info.tc_ifindex, (info.flags & EGRESS_INSTALL_TC_QDISC_OURS) != 0};
			EGRESS_TRY_CTX(detach_tc_backstop(tc), "removing the TC backstop");
		}
	}
	for (const std::string& path : entries_of(pins.maps_dir()))
		EGRESS_TRY(remove_pin(path));
	// The pin dir itself may be a bpffs mount point (tests): then it stays, empty.
	rmdir(pins.links_dir().c_str());
	rmdir(pins.maps_dir().c_str());
	rmdir(pin_dir.c_str());
	log::info("kernel") << "uninstalled the datapath pinned at " << pin_dir;
	return ok_status();
}

} // namespace egress::kernel
