#include "peers/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace egress::bench::peers {

Spread spread(std::vector<double> v) {
	Spread s;
	if (v.empty())
		return s;
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.lo = v.front();
	s.hi = v.back();
	s.empty = false;
	return s;
}

double percentile(std::vector<double> v, double p) {
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
	return v[std::min(v.size() - 1, rank ? rank - 1 : 0)];
}

std::string cell(const Spread& s, const char* unit, int precision) {
	if (s.empty)
		return "-";
	char buf[128];
	std::snprintf(buf, sizeof(buf), "%.*f [%.*f-%.*f] %s", precision, s.median, precision, s.lo,
	              precision, s.hi, unit);
	return buf;
}

std::string cell(double v, const char* unit, int precision) {
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.*f %s", precision, v, unit);
	return buf;
}

void print_header() {
	print_row("measurement", "aks-egress-guard", "nftables", "ipset+iptables", "baseline", "ratio",
	          "target");
	std::printf("|---|---|---|---|---|---|---|\n");
}

void print_row(const std::string& measurement, const std::string& ours, const std::string& nft,
               const std::string& ipset, const std::string& baseline, const std::string& ratio,
               const std::string& target) {
	std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", measurement.c_str(), ours.c_str(), nft.c_str(),
	            ipset.c_str(), baseline.c_str(), ratio.c_str(), target.c_str());
	std::fflush(stdout);
}

std::string verdict(const std::string& target, bool ok) {
	return target + (ok ? " ok" : " **MISS**");
}

} // namespace egress::bench::peers
