// Turns catalog rows into concrete probes for a node: every name row (and every name a network row
// lists as its hosts) instantiated for a region — placeholders filled, `*.` and `**.` given one
// label — with each of the row's protocol/port pairs. Read from egress::catalog, so the suite
// follows the data file instead of a copy of it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace egress::e2e::node {

struct Probe {
	std::string row;     // catalog id
	std::string pattern; // the row's pattern, instantiated (still with `*.` / `**.`)
	std::string name;    // a concrete name the pattern matches
	catalog::Protocol proto = catalog::Protocol::tcp;
	std::uint16_t port = 0;

	std::string text() const; // "pub-fqdn-mcr mcr.microsoft.com tcp/443"
};

// Rows of `cloud` (plus `all` rows) with the given status and category, listed in `edition`.
// `facts` drops rows the cluster does not need (Entry::needed).
std::vector<catalog::Entry> rows(const catalog::Catalog& cat, catalog::Cloud cloud, catalog::Status status,
                                 const std::string& category,
                                 const std::vector<catalog::Condition>& facts = {});

// Probes of the rows' names for `location`. Label-glob rows (`md-*.blob...`, which no matcher can
// express) and names whose placeholders are unknown are left out.
std::vector<Probe> name_probes(const std::vector<catalog::Entry>& rows, const std::string& location);

// Whether one of `allowed` covers the probe (same protocol and port, pattern matches the name):
// a legacy row whose name a current row still allows is not expected to be denied.
bool covered(const Probe& probe, const std::vector<Probe>& allowed);

} // namespace egress::e2e::node
