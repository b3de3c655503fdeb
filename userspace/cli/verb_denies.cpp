// egressctl denies: the deny-log lines egressd keeps in memory (the last 1000), filtered by
// --since/--limit; --follow keeps streaming new ones until Ctrl-C. Needs egressd: the lines come
// from its deny feed, which the pinned maps do not hold.
#include <cstdio>
#include <iostream>

#include "cli/online.h"
#include "cli/output.h"
#include "cli/verb.h"

namespace egress::cli {

namespace {

struct DeniesArgs {
	bool follow = false;
	std::string since;
	std::size_t limit = 100;
	std::string format = "table";
};

const char* kHeader = "TIME                     VERDICT  REASON           POD                        "
                      "DESTINATION                   NAMES\n";

std::string text_of(const nlohmann::json& v) {
	return v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump();
}

// One compact row per deny; the JSON line has every field (docs/deny-log.md).
std::string row(const nlohmann::json& d) {
	std::string pod = "-";
	if (auto p = d.find("pod"); p != d.end() && p->is_object())
		pod = p->value("namespace", "") + "/" + p->value("name", "");
	std::string dst = text_of(d.value("dst", nlohmann::json())) + ":" +
	                  text_of(d.value("dport", nlohmann::json())) + "/" +
	                  text_of(d.value("proto", nlohmann::json()));
	std::string names;
	for (const auto& n : d.value("dst_names", nlohmann::json::array()))
		names += (names.empty() ? "" : ",") + text_of(n);
	char line[768];
	std::snprintf(line, sizeof(line), "%-24s %-8s %-16s %-26s %-29s %s\n",
	              text_of(d.value("time", nlohmann::json())).c_str(),
	              text_of(d.value("verdict", nlohmann::json())).c_str(),
	              text_of(d.value("reason", nlohmann::json())).c_str(), pod.c_str(), dst.c_str(),
	              names.empty() ? "-" : names.c_str());
	return line;
}

int run_denies(const DeniesArgs& a, const Globals& g) {
	auto client = connect_daemon(g.socket);
	if (!client.ok())
		return fail(kExitUnavailable, client.error());
	if (!*client)
		return fail(kExitUnavailable, "egressd is down (no daemon at " + g.socket +
		                                  "); deny lines come only from the daemon (its deny log "
		                                  "file on the node keeps the history)");
	bool json = a.format == "json";
	// The table header goes out with the first line (or after a successful empty answer), so that
	// an error (e.g. a --since egressd refuses) leaves stdout empty.
	bool header_done = json;
	auto header = [&header_done]() {
		if (!header_done)
			std::cout << kHeader;
		header_done = true;
	};
	auto print = [json, &header](const nlohmann::json& d) {
		header();
		std::cout << (json ? d.dump() + "\n" : row(d)) << std::flush;
		return static_cast<bool>(std::cout);
	};
	if (a.follow) {
		auto st = (*client)->follow_denies(a.since, a.limit, print);
		if (st.ok())
			return kExitOk;
		return fail(st.error().code() == EINVAL ? kExitUsage : kExitUnavailable, st.error());
	}
	auto r = (*client)->denies(a.since, a.limit);
	if (!r.ok())
		// EINVAL: egressd refused --since (the only argument it parses).
		return fail(r.error().code() == EINVAL ? kExitUsage : kExitUnavailable, r.error());
	header();
	for (const auto& d : r->value("lines", nlohmann::json::array()))
		if (!print(d))
			return fail(kExitFailure, "writing to stdout failed");
	return std::cout.flush() ? kExitOk : fail(kExitFailure, "writing to stdout failed");
}

} // namespace

VerbRun setup_denies(CLI::App& command, const Globals& globals) {
	auto a = std::make_shared<DeniesArgs>();
	command.add_flag("--follow,-f", a->follow, "Keep printing new denies until interrupted");
	command.add_option("--since", a->since,
	                   "Only lines newer than this: 30s, 5m, 2h, 1d or an RFC 3339 time");
	command.add_option("--limit", a->limit, "At most this many past lines (0 = all kept)")
	    ->capture_default_str();
	command.add_option("-o,--output", a->format, "table, or json: one deny-log object per line")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	command.footer("Asks egressd on --socket. Exit codes: 0 ok, 5 egressd unreachable.");
	return [a, &globals]() { return run_denies(*a, globals); };
}

} // namespace egress::cli
