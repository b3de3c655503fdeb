// The combined table every benchmark of bench/ prints into, so bench/run.sh can stack them:
// | measurement | aks-egress-guard | nftables | ipset+iptables | baseline | ratio | target |
// Cells hold "median [min-max]" over the runs; "-" where a column does not apply.
#pragma once

#include <string>
#include <vector>

namespace egress::bench::peers {

struct Spread {
	double median = 0, lo = 0, hi = 0;
	bool empty = true;
};
Spread spread(std::vector<double> v);
// p-th percentile (0..100), nearest rank; 0 for an empty vector.
double percentile(std::vector<double> v, double p);

// "12.3 [10.1-14.0] unit"; precision = digits after the point.
std::string cell(const Spread& s, const char* unit, int precision = 0);
std::string cell(double v, const char* unit, int precision = 0);

void print_header();
void print_row(const std::string& measurement, const std::string& ours, const std::string& nft,
               const std::string& ipset, const std::string& baseline, const std::string& ratio,
               const std::string& target);
// "ok"/"MISS" appended to a target text.
std::string verdict(const std::string& target, bool ok);

} // namespace egress::bench::peers
