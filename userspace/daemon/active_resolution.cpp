#include "daemon/active_resolution.h"

#include "common/logger.h"
#include "daemon/map_sync.h"

namespace egress::daemon {
namespace {

constexpr const char* kComponent = "egressd";

std::vector<std::string> dns_servers(const policy::Config& c) {
	std::vector<std::string> out;
	for (const auto& ip : c.dns_servers)
		out.push_back(ip.to_string());
	// Azure's platform resolver answers every VNet that has no custom DNS.
	if (out.empty())
		out.push_back("168.63.129.16");
	return out;
}

resolver::Options resolver_options(const policy::Config& c) {
	resolver::Options o;
	o.min_ttl = c.dns.min_ttl;
	o.max_ttl = c.dns.max_ttl;
	o.grace = c.dns.grace;
	return o;
}

} // namespace

void ActiveResolution::on_policy(const ActivePolicy& policy, uint64_t check_key) {
	for (const auto& w : book_.set_policy(policy.desired, check_key))
		if (auto st = write_learned(dp_, w); !st.ok())
			log::warn(kComponent) << st.error().to_string();
	if (policy.desired.exact_names.empty()) {
		stop();
		return;
	}
	if (!worker_ || worker_->servers() != dns_servers(policy.config))
		restart(policy.config);
	if (worker_)
		worker_->set_names(policy.desired.exact_names);
}

void ActiveResolution::restart(const policy::Config& config) {
	stop();
	resolver::CaresOptions transport;
	transport.servers = dns_servers(config);
	transport.timeout = std::chrono::seconds(1);
	transport.tries = 2;
	auto w = ResolverWorker::start(resolver_options(config), transport);
	if (!w.ok()) {
		log::error(kComponent) << "active resolution disabled: " << w.error().to_string();
		return;
	}
	worker_ = std::move(*w);
	if (auto st = loop_.add(worker_->fd(), [this] { on_changes(); }); !st.ok())
		log::error(kComponent) << st.error().to_string();
}

void ActiveResolution::stop() {
	if (!worker_)
		return;
	loop_.remove(worker_->fd());
	worker_.reset();
	// Map entries are left to expire: they stay valid until their expiry, and a new resolver
	// rewrites what it still finds.
	book_.forget_all();
}

void ActiveResolution::on_changes() {
	for (const auto& change : worker_->take_changes()) {
		auto w = book_.apply(change);
		if (!w)
			continue;
		if (auto st = write_learned(dp_, *w); !st.ok())
			log::warn(kComponent) << st.error().to_string();
		log::debug(kComponent)
		    << "resolved " << change.name << " " << resolver::change_kind_name(change.kind) << " "
		    << change.address.to_string();
	}
}

std::set<std::string> ActiveResolution::names_of(const IpAddress& address) const {
	std::set<std::string> out;
	if (auto it = book_.held().find(address); it != book_.held().end())
		for (const auto& h : it->second)
			out.insert(h.name);
	return out;
}

bool ActiveResolution::holds(const IpAddress& address) const {
	return book_.held().count(address) != 0;
}

nlohmann::json ActiveResolution::addresses_of(const std::string& name, uint64_t now) const {
	nlohmann::json out = nlohmann::json::array();
	for (const auto& [address, held] : book_.held())
		for (const auto& h : held)
			if (h.name == name)
				out.push_back(
				    {{"address", address.to_string()},
				     {"expires_in_s",
				      h.expiry_ns > now ? (h.expiry_ns - now) / 1'000'000'000 : 0}});
	return out;
}

nlohmann::json ActiveResolution::status(size_t exact_names) const {
	nlohmann::json res = {{"names", exact_names}, {"enabled", worker_ != nullptr}};
	if (worker_) {
		size_t failing = 0;
		for (const auto& st : worker_->status())
			failing += st.consecutive_failures ? 1 : 0;
		res["failing_record_sets"] = failing;
		res["servers"] = worker_->servers();
	}
	return res;
}

} // namespace egress::daemon
