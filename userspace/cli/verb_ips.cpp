// egressctl ips: the addresses the datapath allows because of a name (resolved by egressd, or
// learned by the kernel from DNS answers), with their expiry; from the pinned learned maps, without
// names, when egressd is down.
#include <cstdio>

#include "cli/online.h"
#include "cli/output.h"
#include "cli/verb.h"
#include "daemon/pinned_reader.h"

namespace egress::cli {

namespace {

struct IpsArgs {
	std::string format = "table";
};

std::string join(const nlohmann::json& list) {
	std::string out;
	for (const auto& v : list)
		out += (out.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
	return out.empty() ? "-" : out;
}

std::string ips_table(const nlohmann::json& r, const std::string& pin_dir) {
	std::string out = r.value("daemon", "") == "down" ? down_banner(pin_dir) : "";
	char line[512];
	std::snprintf(line, sizeof(line), "%-40s %-16s %-10s %-9s %s\n", "ADDRESS", "PORTS", "EXPIRES",
	              "SOURCE", "NAMES");
	out += line;
	for (const auto& e : r.value("entries", nlohmann::json::array())) {
		std::string expires = e.value("expired", false)
		                          ? "expired"
		                          : std::to_string(e.value("expires_in_s", int64_t{0})) + "s";
		nlohmann::json ports = e.value("ports", nlohmann::json());
		std::snprintf(line, sizeof(line), "%-40s %-16s %-10s %-9s %s\n",
		              e.value("address", "").c_str(),
		              ports.is_string() ? ports.get<std::string>().c_str() : join(ports).c_str(),
		              expires.c_str(), e.value("source", "").c_str(),
		              join(e.value("names", nlohmann::json::array())).c_str());
		out += line;
	}
	return out;
}

int run_ips(const IpsArgs& a, const Globals& g) {
	auto client = connect_daemon(g.socket);
	if (!client.ok())
		return fail(kExitUnavailable, client.error());
	Result<nlohmann::json> ips = Error("unset");
	if (*client) {
		ips = (*client)->ips();
	} else {
		ips = daemon::pinned_ips(g.pins);
		if (!ips.ok())
			return fail(kExitUnavailable,
			            "egressd is down (no daemon at " + g.socket +
			                ") and the pinned maps cannot be read: " + ips.error().to_string());
	}
	if (!ips.ok())
		return fail(kExitUnavailable, ips.error());
	if (!ips->contains("source"))
		(*ips)["source"] = "daemon";
	std::string text = a.format == "json" ? ips->dump(2) + "\n" : ips_table(*ips, g.pins);
	auto st = write_output("", text);
	return st.ok() ? kExitOk : fail(kExitFailure, st.error());
}

} // namespace

VerbRun setup_ips(CLI::App& command, const Globals& globals) {
	auto a = std::make_shared<IpsArgs>();
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	command.footer("Asks egressd on --socket; when it is down, reads the learned maps pinned under "
	               "--pins (no names). Exit codes: 0 ok, 5 egressd down and nothing pinned to read.");
	return [a, &globals]() { return run_ips(*a, globals); };
}

} // namespace egress::cli
