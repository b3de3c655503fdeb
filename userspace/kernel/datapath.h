// The datapath's lifecycle: open -> size + settings -> load (or adopt pinned maps) -> write the
// policy -> attach through pinned links (or swap the programs of pinned links) -> uninstall.
//
//   auto dp = Datapath::load(opts);            // maps exist and are pinned; nothing attached yet
//   dp->write_config(cfg); /* map writer: floor, CIDRs, learned */
//   dp->attach();                               // enforcement starts (or continues, on adoption)
//
// Programs stay attached when the process exits: the links are pinned. A later load() with the
// same pin dir adopts that installation (after checking its map layout version and cgroup): maps, and
// so the policy and learned addresses, carry over, and attach() replaces the programs inside the
// existing links atomically (bpf_link_update), so enforcement never has a gap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <egress/abi.h>

#include "common/result.h"
#include "kernel/map_writer.h"
#include "kernel/maps.h"
#include "kernel/pins.h"
#include "kernel/uplink.h"
#include "kernel/verdict_maps.h"

struct egress_bpf; // the skeleton (egress.skel.h), for callers that want skel->maps / skel->progs

namespace egress::kernel {

struct DatapathOptions {
	std::string cgroup_path; // cgroup v2 directory the programs attach to
	std::string pin_dir = std::string(kDefaultPinDir);
	bool mount_bpffs = false; // mount a bpffs on pin_dir's parent if missing
	MapSizes sizes;
	uint64_t event_window_ns = EGRESS_EVENT_WINDOW_NS;
	uint64_t udp_peer_ttl_ns = EGRESS_UDP_PEER_TTL_NS;
	std::string tc_interface; // "": no TC backstop
	bool tc_enforce = false;  // TC backstop drops instead of only reporting
};

struct ProgramInfo {
	std::string name;
	uint32_t id = 0;
	uint32_t verified_insns = 0; // 0 on kernels before 5.16
	uint32_t xlated_bytes = 0;
	uint32_t jited_bytes = 0;
};

class Datapath {
public:
	// Loads the object; on failure the error carries the tail of the verifier log.
	static Result<Datapath> load(const DatapathOptions& opts);

	Datapath(Datapath&&) noexcept;
	Datapath& operator=(Datapath&&) noexcept;
	~Datapath(); // closes fds only: pinned links and maps stay

	// Attaches (fresh) or re-points (adopted) the cgroup links, then the TC backstop if asked.
	Status attach();

	bool adopted() const;
	// False when load() had to mount the bpffs itself (mount_bpffs): the pins then live in this
	// process's mount namespace, and in a container they die with it.
	bool pins_persist() const;
	const PinLayout& pins() const;
	uint64_t cgroup_id() const;
	egress_bpf* skeleton() const;
	int map_fd(MapId id) const;

	// The runtime config (layout_version is filled in).
	Status write_config(egress_config cfg);
	Result<egress_config> read_config() const;
	// Per-CPU counters summed, indexed by EGRESS_COUNTER_INDEX(hook, reason).
	Result<std::vector<uint64_t>> counters() const;
	// Every program of the object, with the verifier's instruction count.
	Result<std::vector<ProgramInfo>> programs() const;
	Result<MapFill> fill(MapId id) const;
	// Typed lookups in the maps the verdict reads (verdict/explain.h decides).
	VerdictMaps verdict_maps() const;

	// The interface the TC backstop is on according to the install record (0: none).
	Result<uint32_t> tc_backstop_ifindex() const;
	// Puts the TC backstop on `to` (nullopt: nowhere) in the current netns, and keeps the install
	// record in step, so that uninstall and the next egressd find it where it is. Our filter leaves
	// the old interface (its clsact qdisc only if we created it: other agents' filters may live
	// there). Returns the ifindex it is on afterwards; a failed attach leaves it detached and the
	// record saying so.
	Result<uint32_t> move_tc_backstop(const std::optional<Uplink>& to);

	// The tamper check (link_check.cpp): every pinned cgroup link exists, is attached to our cgroup
	// and runs our program; what differs is attached again (or gets our program back). Returns one
	// line per repair.
	Result<std::vector<std::string>> repair_links();
	// The TC backstop runs our program where the install record says it is (true when none).
	Result<bool> tc_backstop_attached() const;

	struct Impl; // opaque: datapath.cpp's load steps fill it

private:
	explicit Datapath(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// Detaches every pinned link, removes the TC backstop (and its clsact qdisc only if we created
// it), and unpins everything under pin_dir. Needs no loaded Datapath (egressctl uninstall); an
// empty or missing pin dir is success.
Status uninstall(const std::string& pin_dir);

} // namespace egress::kernel
