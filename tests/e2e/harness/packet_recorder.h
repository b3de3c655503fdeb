// What arrives on the far side: attack tests judge by arrival, not by the attacker's error codes.
// A PacketRecorder captures (AF_PACKET, every protocol) on one interface of a namespace, and keeps
// each frame that arrives there — not those the namespace sends — whose IPv4 or IPv6 destination
// is one of the given addresses, or that carries the marker anywhere in its bytes.
//
//   auto rec = node.record({denied});            // on the internet side of the node's uplink
//   pod.run(Identity::container_root, send_raw_frame_to(denied));
//   EXPECT_TRUE(rec->frames().empty());
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.h"

namespace egress::e2e {

struct RecordedFrame {
	std::string src, dst; // IP addresses; "" for a frame that is not IP
	std::uint8_t proto = 0;
	std::uint16_t sport = 0, dport = 0; // TCP/UDP only
	std::size_t length = 0;             // the whole frame
	bool marker = false;
};

class PacketRecorder {
public:
	// Returns once the capture socket is bound (frames sent afterwards are seen).
	PacketRecorder(const std::string& netns, const std::string& ifname,
	               std::vector<std::string> destinations, std::string marker = "");
	~PacketRecorder();
	PacketRecorder(const PacketRecorder&) = delete;
	PacketRecorder& operator=(const PacketRecorder&) = delete;

	// Everything recorded so far, after `settle` for frames still in flight.
	std::vector<RecordedFrame>
	frames(std::chrono::milliseconds settle = std::chrono::milliseconds(300)) const;

private:
	std::string file_;
	std::unique_ptr<testlib::ChildProcess> capture_;
};

} // namespace egress::e2e
