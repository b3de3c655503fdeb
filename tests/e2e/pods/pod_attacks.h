// What a pod with CAP_NET_RAW (containerd's default) sends without an IP socket, or with a forged
// source: each sender runs inside the pod (Pod::run, Identity::container_root) and returns 0 when
// the kernel took the frame, else the errno. Whether it went anywhere is the recorder's to say.
//
//   packet_raw     AF_PACKET SOCK_RAW: the whole Ethernet frame
//   packet_dgram   AF_PACKET SOCK_DGRAM: the IP packet, the kernel adds the Ethernet header
//   packet_bypass  AF_PACKET SOCK_RAW with PACKET_QDISC_BYPASS (no qdisc, no TC egress in the pod)
//   xdp            AF_XDP: a UMEM, fill/completion and TX rings and a sendto() wakeup, generic
//                  (copy) mode, which is what a veth offers (no libxdp)
//   raw_ip         AF_INET SOCK_RAW IPPROTO_RAW (IP_HDRINCL): an IP socket, so the cgroup hooks
//                  see it too
#pragma once

#include <cstdint>
#include <string>

#include "packet_builder.h"

namespace egress::e2e {

enum class Sender { packet_raw, packet_dgram, packet_bypass, xdp, raw_ip };
const char* sender_name(Sender s);

// A UDP datagram carrying `marker` from src to dst:port, as an Ethernet frame from `src_mac` to
// `dst_mac`.
testlib::Bytes udp_frame(const std::string& src, const std::string& dst, uint16_t port,
                         const std::string& marker, const std::string& src_mac, const std::string& dst_mac);
// The same as a TCP SYN with the marker as payload (as a TFO-style SYN carries data).
testlib::Bytes syn_frame(const std::string& src, const std::string& dst, uint16_t port,
                         const std::string& marker, const std::string& src_mac, const std::string& dst_mac);

// Sends `frame` (Ethernet) out of `ifname` with `how`; raw_ip and packet_dgram send its IP part.
int send_frame(Sender how, const std::string& ifname, const testlib::Bytes& frame);

} // namespace egress::e2e
