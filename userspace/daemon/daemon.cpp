#include "daemon/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "common/clock.h"
#include "common/logger.h"
#include "common/mounts.h"
#include "daemon/check_key.h"
#include "daemon/daemon_state.h"
#include "daemon/map_sync.h"
#include "daemon/trusted_resolvers.h"
#include "kernel/dns_maps.h"
#include "kernel/map_writer.h"

namespace egress::daemon {

namespace {

constexpr const char* kComponent = "egressd";

double ms_since(std::chrono::steady_clock::time_point t0) {
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The catalog and the first config: nothing in the kernel changes before both are good.
Result<policy::Config> load_inputs(Daemon::State& s, std::string& config_text) {
	auto catalog = s.opts.catalog_path.empty() ? catalog::Catalog::load_embedded()
	                                           : catalog::Catalog::load_file(s.opts.catalog_path);
	if (!catalog.ok())
		return std::move(catalog).error().wrap("loading the catalog");
	s.catalog = std::move(*catalog);
	auto text = read_text_file(s.opts.config_path);
	if (!text.ok())
		return std::move(text).error();
	config_text = std::move(*text);
	auto config = policy::load_config(s.opts.config_path);
	if (!config.ok())
		return std::move(config).error();
	// Compiled once before the kernel is touched: a config that cannot be enforced leaves no pins.
	if (auto dry = build_policy(*config, s.catalog, 0, {}); !dry.ok())
		return std::move(dry).error();
	return config;
}

// The datapath: fresh, or adopting what a previous egressd left pinned (no enforcement gap).
Status open_datapath(Daemon::State& s, const policy::Config& config) {
	auto mount = cgroup2_mount();
	s.cgroup_path = config.cgroup_path;
	if (s.cgroup_path.empty()) {
		if (!mount.ok())
			return std::move(mount).error();
		s.cgroup_path = *mount;
	}
	auto uplink = UplinkFollower::open(config.uplink, config.uplink_enforce);
	if (!uplink.ok())
		return std::move(uplink).error();
	s.uplink.emplace(std::move(*uplink));
	auto pods = PodFollower::open({s.opts.cni_results, s.cgroup_path});
	if (!pods.ok())
		return std::move(pods).error();
	s.pods.emplace(std::move(*pods));
	kernel::DatapathOptions dopts;
	dopts.cgroup_path = s.cgroup_path;
	dopts.pin_dir = config.pin_path;
	dopts.mount_bpffs = true;
	dopts.tc_interface = s.uplink->named_interface(); // `auto` is followed after attach()
	dopts.tc_enforce = config.uplink_enforce;
	auto dp = kernel::Datapath::load(dopts);
	if (!dp.ok())
		return std::move(dp).error().wrap("loading the datapath");
	s.dp.emplace(std::move(*dp));
	// A cgroupPath outside the mount is refused by the loader above; levels count from the mount.
	s.node.emplace(*s.dp, mount.ok() ? *mount : s.cgroup_path, s.cgroup_path);
	return ok_status();
}

// The policy applier, with the name-rule check key: kept from the pins on adoption (the entries
// there were hashed with it), random on a fresh install.
Status open_policy(Daemon::State& s, const policy::Config& config) {
	std::optional<egress_config> adopted;
	if (s.dp->adopted()) {
		if (auto old = s.dp->read_config(); old.ok())
			adopted = *old;
		log::info(kComponent) << "adopting the datapath pinned at " << config.pin_path
		                      << " (generation " << (adopted ? adopted->policy_generation : 0) << ")";
	}
	auto key = choose_check_key(kernel::DnsMaps(*s.dp), s.dp->adopted());
	if (!key.ok())
		return std::move(key).error().wrap("choosing the name-rule check key");
	log::info(kComponent) << (key->generated ? "generated a new" : "kept the pinned")
	                      << " name-rule check key";
	s.policy =
	    std::make_unique<PolicyApplier>(*s.dp, s.catalog, key->key, s.opts.heartbeat_stale, adopted);
	s.resolution = std::make_unique<ActiveResolution>(*s.dp, *s.loop);
	return ok_status();
}

// The audit trail before enforcement, so the first deny is already logged.
Status open_audit(Daemon::State& s, const policy::Config& config) {
	AuditTrail::Options options;
	options.node = s.node_name();
	options.deny_window = s.opts.deny_window;
	options.pod_logs_root = s.opts.pod_logs_root;
	Daemon::State* self = &s;
	auto trail =
	    AuditTrail::open(config.deny_log, options, *s.dp, *s.loop, [self](const std::string& line) {
		    if (self->control)
			    self->control->broadcast_deny(line);
	    });
	if (!trail.ok())
		return std::move(trail).error();
	s.audit = std::move(*trail);
	return ok_status();
}

// The first policy, then the programs.
Status enforce_first(Daemon::State& s, const policy::Config& config) {
	auto t0 = std::chrono::steady_clock::now();
	auto first = s.policy->build(config, s.node_dns_for(config));
	if (!first.ok())
		return std::move(first).error();
	EGRESS_TRY_CTX(s.policy->apply(std::move(*first)), "writing the policy");
	double apply_ms = ms_since(t0);
	s.policy_applied();
	s.follow_node_processes(); // before attach: the first packet already knows pods from the node
	EGRESS_TRY_CTX(s.dp->attach(), "attaching");
	EGRESS_TRY(s.uplink->start(*s.dp, *s.loop));
	EGRESS_TRY(s.pods->start(*s.dp, *s.loop));
	log::info(kComponent) << (s.dp->adopted() ? "re-attached" : "attached") << " to cgroup "
	                      << s.cgroup_path << " (id " << s.dp->cgroup_id() << "), pins at "
	                      << config.pin_path;
	uint64_t generation = s.policy->active().generation;
	s.reloads.last = {true,
	                  "startup",
	                  "",
	                  std::chrono::system_clock::now(),
	                  generation,
	                  apply_ms,
	                  s.policy->last_maps_ms()};
	log::info(kComponent) << "startup: generation " << generation << " applied in " << apply_ms
	                      << " ms (map writes " << s.policy->last_maps_ms() << " ms)";
	return ok_status();
}

// The host guard (BPF LSM) once the datapath is in place; what it cannot guard is said once.
void open_host_guard(Daemon::State& s, const policy::Config& config) {
	auto root = cgroup2_mount();
	s.guard = HostGuardKeeper::start(*s.dp, {config.host_guard, root.ok() ? *root : "", s.cgroup_path});
	s.metrics.set_host_guard("raw_sockets", s.guard->raw_sockets_on());
	s.metrics.set_host_guard("objects", s.guard->objects_on());
	if (auto notice = s.guard->notice()) {
		log::warn(kComponent) << *notice;
		s.audit->notice(*notice);
	}
}

// The control socket, the metrics endpoint and the config watcher.
Status open_servers(Daemon::State& s, const policy::Config& config, std::string config_text) {
	Daemon::State* self = &s;
	auto watcher = ConfigWatcher::open(s.opts.config_path, std::move(config_text));
	if (!watcher.ok())
		return std::move(watcher).error();
	s.watcher.emplace(std::move(*watcher));
	auto control = ControlServer::listen(config.control_socket,
	                                     [self](const control::Request& r) { return self->handle(r); });
	if (!control.ok())
		return std::move(control).error().wrap("opening the control socket");
	s.control.emplace(std::move(*control));
	EGRESS_TRY(s.loop->add(s.control->fd(), [self] { self->control->service(); }));
	if (config.metrics.listen) {
		auto http = HttpServer::listen(*config.metrics.listen,
		                               [self](const std::string& p) { return self->serve_http(p); });
		if (!http.ok())
			return std::move(http).error().wrap("opening the metrics endpoint");
		s.http.emplace(std::move(*http));
		EGRESS_TRY(s.loop->add(s.http->fd(), [self] { self->http->service(); }));
	}
	return ok_status();
}

// Signals, the heartbeat and the reload debounce.
Status watch_signals_and_timers(Daemon::State& s) {
	Daemon::State* self = &s;
	auto signals = SignalSource::open({SIGHUP, SIGTERM, SIGINT});
	auto hb = Timer::periodic(s.opts.heartbeat_interval);
	auto deb = Timer::one_shot();
	if (!signals.ok())
		return std::move(signals).error();
	if (!hb.ok())
		return std::move(hb).error();
	if (!deb.ok())
		return std::move(deb).error();
	s.signals.emplace(std::move(*signals));
	s.heartbeat_timer.emplace(std::move(*hb));
	s.debounce_timer.emplace(std::move(*deb));
	EGRESS_TRY(s.loop->add(s.signals->fd(), [self] { self->on_signal(); }));
	EGRESS_TRY(s.loop->add(s.watcher->fd(), [self] {
		auto relevant = self->watcher->drain();
		if (relevant.ok() && *relevant)
			self->debounce_timer->arm(self->opts.reload_debounce);
	}));
	EGRESS_TRY(s.loop->add(s.debounce_timer->fd(), [self] { self->on_config_change(); }));
	EGRESS_TRY(s.loop->add(s.heartbeat_timer->fd(), [self] {
		self->heartbeat_timer->drain();
		self->heartbeat();
		auto every = std::max<uint64_t>(
		    1, static_cast<uint64_t>(self->opts.gc_interval / self->opts.heartbeat_interval));
		if (++self->ticks % every == 0)
			self->collect();
	}));
	return ok_status();
}

} // namespace

void block_daemon_signals() {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string Daemon::State::node_name() const {
	if (!opts.node_name.empty())
		return opts.node_name;
	if (const char* n = std::getenv("NODE_NAME"); n && *n)
		return n;
	char host[256] = {};
	gethostname(host, sizeof(host) - 1);
	return host;
}

NodeDns Daemon::State::node_dns_for(const policy::Config& config) const {
	std::vector<IpAddress> node;
	NodeDns out;
	if (!opts.resolv_conf.empty()) {
		auto text = read_text_file(opts.resolv_conf);
		if (text.ok()) {
			auto parsed = parse_resolv_conf(*text);
			for (const auto& why : parsed.ignored)
				log::warn(kComponent) << opts.resolv_conf << ": " << why;
			node = std::move(parsed.nameservers);
			out.search_domains = std::move(parsed.search_domains);
		} else if (text.error().code() != ENOENT) {
			// A node without resolv.conf has no resolvers of its own: dnsServers alone are
			// trusted.
			log::warn(kComponent) << "reading the node's resolvers: " << text.error().to_string();
		}
	}
	out.resolvers = trusted_resolvers(config.dns_servers, node);
	return out;
}

// What follows a policy taking effect, outside the kernel's policy maps.
void Daemon::State::policy_applied() {
	const ActivePolicy& active = policy->active();
	metrics.set_policy_generation(active.generation);
	resolution->on_policy(active, policy->check_key());
}

Status Daemon::State::reload(const std::string& trigger) {
	ReloadResult r;
	r.trigger = trigger;
	r.time = std::chrono::system_clock::now();
	auto t0 = std::chrono::steady_clock::now();
	auto fail = [&](Error e, bool timed) -> Status {
		r.apply_ms = timed ? ms_since(t0) : 0;
		r.maps_ms = timed ? policy->last_maps_ms() : 0;
		r.ok = false;
		r.error = e.to_string();
		r.generation = policy->active().generation;
		reloads.last = r;
		reloads.last_error = r.error;
		++reloads.errors;
		metrics.inc_policy_reload_errors();
		log::error(kComponent) << "reload (" << trigger << ") failed, generation " << r.generation
		                       << " stays enforced: " << r.error;
		return e;
	};
	auto config = policy::load_config(opts.config_path);
	if (!config.ok())
		return fail(std::move(config).error(), false);
	t0 = std::chrono::steady_clock::now();
	const policy::Config& running = policy->active().config;
	for (const auto& key : restart_only_changes(running, *config))
		log::warn(kComponent)
		    << "config key " << key << " changed: it takes effect at the next restart";
	keep_restart_only_keys(running, *config);
	auto next = policy->build(*config, node_dns_for(*config));
	if (!next.ok())
		return fail(std::move(next).error(), true);
	if (auto st = policy->apply(std::move(*next)); !st.ok())
		return fail(std::move(st).error().wrap("writing the maps"), true);
	policy_applied();
	r.generation = policy->active().generation;
	r.apply_ms = ms_since(t0);
	r.maps_ms = policy->last_maps_ms();
	log::info(kComponent) << "reload (" << trigger << "): generation " << r.generation << " applied in "
	                      << r.apply_ms << " ms (map writes " << r.maps_ms << " ms)";
	reloads.last = r;
	reloads.last_error.clear();
	return ok_status();
}

// The pods' cgroup (until found) and the node's resolvers' cgroups (node_processes.h).
void Daemon::State::follow_node_processes() {
	if (!pods_cgroup_known) {
		if (auto pods = node->find_pods_cgroup()) {
			if (auto st = policy->set_pods_cgroup(pods->id, pods->level); st.ok()) {
				pods_cgroup_known = true;
				log::info(kComponent) << "pods' cgroup: " << pods->path << " (id " << pods->id
				                      << ", level " << pods->level << ")";
			} else {
				log::warn(kComponent) << st.error().to_string();
			}
		}
	}
	auto changed = node->refresh_resolver_cgroups(policy->active().desired.resolvers);
	if (!changed.ok())
		log::warn(kComponent) << "finding the node's resolvers: " << changed.error().to_string();
	else if (*changed)
		log::info(kComponent) << "the node's resolvers run in " << node->resolver_cgroup_ids().size()
		                      << " cgroup(s); their loopback answers may teach";
}

// One deny-log line per cgroup that went over its deny-event budget since the last heartbeat.
void Daemon::State::summarise_budgets() {
	auto map =
	    kernel::TypedMap<uint64_t, egress_event_budget>::open(dp->map_fd(kernel::MapId::event_budget));
	if (!map.ok()) {
		log::debug(kComponent) << "opening the deny budgets: " << map.error().to_string();
		return;
	}
	auto entries = map->entries();
	if (!entries.ok()) {
		log::debug(kComponent) << "reading the deny budgets: " << entries.error().to_string();
		return;
	}
	for (const auto& e : budgets.take(*entries, boot_ns(), policy->active().generation))
		audit->record(e);
}

void Daemon::State::heartbeat() {
	// Before the heartbeat's config write, which puts a tampered config map right.
	tamper.run(*dp, *policy, {pods ? &*pods : nullptr, uplink ? &*uplink : nullptr, guard.get()},
	           metrics);
	if (pods)
		metrics.set_pod_interfaces(pods->guarded(),
		                           pods->status()["total"].get<uint64_t>() - pods->guarded());
	if (auto st = policy->heartbeat(); !st.ok())
		log::error(kComponent) << st.error().to_string();
	follow_node_processes();
	summarise_budgets();
	if (auto c = dp->counters(); c.ok())
		(void)metrics.update_from_kernel_counters(*c);
	auto stats = audit->stats();
	metrics.set_deny_log(stats.dropped, stats.lines, stats.write_errors);
}

void Daemon::State::collect() {
	auto gc = collect_learned(*dp, boot_ns());
	if (!gc.ok()) {
		log::warn(kComponent) << "collecting learned addresses: " << gc.error().to_string();
	} else {
		if (gc->expired || gc->evicted)
			log::debug(kComponent) << "learned addresses: " << gc->expired << " expired, "
			                       << gc->evicted << " evicted";
		metrics.set_learned_entries("ipv4", gc->entries4);
		metrics.set_learned_entries("ipv6", gc->entries6);
	}
	for (const auto& m : kernel::kMaps) {
		if (!m.reports_fill)
			continue;
		auto fill = dp->fill(m.id);
		if (fill.ok() && fill->max_entries)
			metrics.set_map_fill_ratio(m.name, static_cast<double>(fill->entries) /
			                                       static_cast<double>(fill->max_entries));
	}
	audit->names().expire(boot_ns());
}

void Daemon::State::on_signal() {
	while (int sig = signals->next()) {
		if (sig == SIGHUP) {
			log::info(kComponent) << "SIGHUP: reloading " << opts.config_path;
			watcher->invalidate();
			(void)reload("SIGHUP");
			(void)watcher->read_if_changed(); // the content now in force
		} else {
			log::info(kComponent)
			    << "signal " << sig << ": exiting; enforcement stays in place (pinned)";
			loop->stop();
		}
	}
}

void Daemon::State::on_config_change() {
	debounce_timer->drain();
	auto changed = watcher->read_if_changed();
	if (!changed.ok()) {
		// Mid-swap or deleted: the next event (or a SIGHUP) brings it back.
		log::warn(kComponent) << "config not readable: " << changed.error().to_string();
	} else if (*changed) {
		log::info(kComponent) << opts.config_path << " changed: reloading";
		(void)reload("inotify");
	}
}

Daemon::Daemon(std::unique_ptr<State> state) : s_(std::move(state)) {
}

Daemon::~Daemon() {
	if (!s_)
		return;
	// Servers and sources go before the parts their callbacks use.
	s_->control.reset();
	s_->http.reset();
	s_->resolution.reset();
	s_->guard.reset();
	s_->audit.reset();
}

Result<std::unique_ptr<Daemon>> Daemon::start(DaemonOptions opts) {
	auto s = std::make_unique<State>();
	s->opts = std::move(opts);
	std::string text;
	auto config = load_inputs(*s, text);
	if (!config.ok())
		return std::move(config).error();
	auto loop = EventLoop::create();
	if (!loop.ok())
		return std::move(loop).error();
	s->loop.emplace(std::move(*loop));
	EGRESS_TRY(open_datapath(*s, *config));
	EGRESS_TRY(open_policy(*s, *config));
	EGRESS_TRY(open_audit(*s, *config));
	EGRESS_TRY(enforce_first(*s, *config));
	open_host_guard(*s, *config);
	EGRESS_TRY(open_servers(*s, *config, std::move(text)));
	EGRESS_TRY(watch_signals_and_timers(*s));
	s->metrics.set_build_info(EGRESS_VERSION, EGRESS_MAP_LAYOUT_VERSION, EGRESS_EVENT_SCHEMA_VERSION);
	s->collect();
	s->ready = true;
	log::info(kComponent) << "ready: control socket " << config->control_socket
	                      << (s->http ? ", metrics on " + config->metrics.listen->to_string()
	                                  : std::string());
	return std::unique_ptr<Daemon>(new Daemon(std::move(s)));
}

Status Daemon::run() {
	EGRESS_TRY(s_->loop->run());
	// Clean exit: flush the deny log; the pinned links and maps keep enforcing.
	s_->resolution->stop();
	s_->audit->stop();
	return ok_status();
}

} // namespace egress::daemon
