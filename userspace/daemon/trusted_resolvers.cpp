#include "daemon/trusted_resolvers.h"

#include <algorithm>
#include <iterator>
#include <optional>

namespace egress::daemon {
namespace {

std::string_view trim(std::string_view s) {
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
		s.remove_suffix(1);
	return s;
}

std::vector<std::string> texts(const std::vector<IpAddress>& ips) {
	std::vector<std::string> out;
	for (const auto& ip : ips)
		out.push_back(ip.to_string());
	return out;
}

// `search a b c` or `domain a`: the domains, else nullopt.
std::optional<std::vector<std::string>> search_line(std::string_view line) {
	for (std::string_view keyword : {"search", "domain"}) {
		if (line.size() <= keyword.size() || line.substr(0, keyword.size()) != keyword ||
		    (line[keyword.size()] != ' ' && line[keyword.size()] != '\t'))
			continue;
		std::vector<std::string> out;
		std::string_view rest = trim(line.substr(keyword.size()));
		while (!rest.empty()) {
			size_t ws = rest.find_first_of(" \t");
			out.emplace_back(rest.substr(0, ws));
			rest = ws == std::string_view::npos ? std::string_view() : trim(rest.substr(ws));
		}
		return out;
	}
	return std::nullopt;
}

} // namespace

ResolvConf parse_resolv_conf(std::string_view text) {
	ResolvConf out;
	size_t line_no = 0;
	while (!text.empty()) {
		size_t nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
		++line_no;
		if (size_t c = line.find_first_of("#;"); c != std::string_view::npos)
			line = line.substr(0, c);
		line = trim(line);
		if (auto domains = search_line(line))
			out.search_domains = std::move(*domains);
		constexpr std::string_view kKeyword = "nameserver";
		if (line.size() <= kKeyword.size() || line.substr(0, kKeyword.size()) != kKeyword ||
		    (line[kKeyword.size()] != ' ' && line[kKeyword.size()] != '\t'))
			continue;
		std::string_view value = trim(line.substr(kKeyword.size()));
		if (size_t ws = value.find_first_of(" \t"); ws != std::string_view::npos)
			value = value.substr(0, ws); // glibc reads one address per line
		std::string_view addr = value.substr(0, value.find('%'));
		auto ip = parse_ip(addr);
		if (!ip.ok()) {
			out.ignored.push_back("line " + std::to_string(line_no) + ": nameserver " +
			                      std::string(value) + ": " + ip.error().message());
			continue;
		}
		if (std::find(out.nameservers.begin(), out.nameservers.end(), *ip) == out.nameservers.end())
			out.nameservers.push_back(*ip);
	}
	return out;
}

std::vector<IpAddress> trusted_resolvers(const std::vector<IpAddress>& dns_servers,
                                         const std::vector<IpAddress>& node_servers) {
	std::vector<IpAddress> out = dns_servers;
	out.insert(out.end(), node_servers.begin(), node_servers.end());
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

ResolverChanges diff_resolvers(const std::vector<IpAddress>& before, const std::vector<IpAddress>& after) {
	std::vector<IpAddress> added, removed;
	std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
	                    std::back_inserter(added));
	std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
	                    std::back_inserter(removed));
	return {texts(added), texts(removed)};
}

} // namespace egress::daemon
