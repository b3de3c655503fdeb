#include "policy/net_types.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace egress::policy {
namespace {

std::string in_quotes(std::string_view text) {
	return "\"" + std::string(text) + "\"";
}

Error bad(std::string_view text, std::string problem) {
	return Error(in_quotes(text) + ": " + std::move(problem));
}

std::string lower(std::string_view text) {
	std::string out(text);
	std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
	return out;
}

// A decimal number with no sign, no leading '+', no spaces; nullopt when not all digits or too big.
std::optional<std::uint32_t> parse_uint(std::string_view text) {
	if (text.empty() || text.size() > 9)
		return std::nullopt;
	std::uint32_t v = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (ec != std::errc() || end != text.data() + text.size())
		return std::nullopt;
	return v;
}

void mask_host_bits(std::array<std::uint8_t, 16>& bytes, unsigned prefix) {
	for (unsigned i = 0; i < bytes.size(); ++i) {
		unsigned first_bit = i * 8;
		if (prefix >= first_bit + 8)
			continue;
		if (prefix <= first_bit)
			bytes[i] = 0;
		else
			bytes[i] &= static_cast<std::uint8_t>(0xffu << (8 - (prefix - first_bit)));
	}
}

} // namespace

std::string Cidr::to_string() const {
	return address().to_string() + "/" + std::to_string(prefix);
}

bool Cidr::contains(const IpAddress& ip) const {
	if (ip.family != family)
		return false;
	auto masked = ip.bytes;
	mask_host_bits(masked, prefix);
	return masked == bytes;
}

bool Cidr::contains(const Cidr& other) const {
	return other.family == family && other.prefix >= prefix && contains(other.address());
}

Result<Cidr> parse_cidr(std::string_view text, HostBits host_bits) {
	auto slash = text.find('/');
	auto ip = parse_ip(text.substr(0, slash));
	if (!ip.ok())
		return bad(text, "bad prefix: " + ip.error().message());
	unsigned max_len = ip->family == Family::v4 ? 32 : 128;
	unsigned len = max_len;
	if (slash != std::string_view::npos) {
		auto parsed = parse_uint(text.substr(slash + 1));
		if (!parsed || *parsed > max_len)
			return bad(text, "bad prefix: length must be 0-" + std::to_string(max_len));
		len = *parsed;
	}
	Cidr cidr{ip->family, ip->bytes, static_cast<std::uint8_t>(len)};
	mask_host_bits(cidr.bytes, len);
	if (cidr.bytes != ip->bytes && host_bits == HostBits::reject)
		return bad(text, "host bits set beyond /" + std::to_string(len) + " (did you mean " +
		                     cidr.to_string() + "?)");
	return cidr;
}

std::string PortRange::to_string() const {
	std::string out(proto_name(proto));
	if (all_ports())
		return out;
	out += "/" + std::to_string(lo);
	if (hi != lo)
		out += "-" + std::to_string(hi);
	return out;
}

Result<PortRange> parse_port_spec(std::string_view text) {
	std::string spec = lower(text);
	auto slash = spec.find('/');
	std::string proto_text = spec.substr(0, slash);
	PortRange range;
	if (proto_text == "tcp")
		range.proto = Proto::tcp;
	else if (proto_text == "udp")
		range.proto = Proto::udp;
	else if (proto_text == "any" || proto_text == "icmp" || proto_text == "icmpv6") {
		if (slash != std::string::npos)
			return bad(text, proto_text + " takes no port (write \"" + proto_text + "\")");
		range.proto = proto_text == "any"    ? Proto::any
		              : proto_text == "icmp" ? Proto::icmp
		                                     : Proto::icmpv6;
		return range;
	} else
		return bad(text, "unknown protocol (expected tcp/PORT, udp/PORT, tcp/LO-HI, tcp, udp, icmp, "
		                 "icmpv6 or any)");
	if (slash == std::string::npos)
		return range; // every port of the protocol

	std::string_view ports = std::string_view(spec).substr(slash + 1);
	auto dash = ports.find('-');
	auto lo = parse_uint(ports.substr(0, dash));
	auto hi = dash == std::string_view::npos ? lo : parse_uint(ports.substr(dash + 1));
	if (!lo || !hi)
		return bad(text, "bad port (expected a number 1-65535 or a range LO-HI)");
	if (*lo < 1 || *lo > 65535 || *hi < 1 || *hi > 65535)
		return bad(text, "port out of range 1-65535");
	if (*lo > *hi)
		return bad(text, "empty port range (low > high)");
	range.lo = static_cast<std::uint16_t>(*lo);
	range.hi = static_cast<std::uint16_t>(*hi);
	return range;
}

std::string ListenAddress::to_string() const {
	std::string p = ":" + std::to_string(port);
	if (host.find(':') != std::string::npos)
		return "[" + host + "]" + p;
	return host + p;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
	auto colon = text.rfind(':');
	if (colon == std::string_view::npos)
		return bad(text, "expected HOST:PORT, [IPV6]:PORT or :PORT");
	std::string_view host = text.substr(0, colon);
	auto port = parse_uint(text.substr(colon + 1));
	if (!port || *port < 1 || *port > 65535)
		return bad(text, "port out of range 1-65535");
	if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
		host = host.substr(1, host.size() - 2);
	else if (host.find(':') != std::string_view::npos)
		return bad(text, "an IPv6 host must be in brackets: [::1]:PORT");
	ListenAddress out{std::string(host), static_cast<std::uint16_t>(*port)};
	if (!host.empty()) {
		auto ip = parse_ip(host);
		if (!ip.ok())
			return bad(text, "host must be an IP address (names are not resolved): " +
			                     ip.error().message());
		out.host = ip->to_string();
	}
	return out;
}

} // namespace egress::policy
