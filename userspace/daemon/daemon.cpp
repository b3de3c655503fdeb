#include "daemon/daemon.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <span>

#include "audit/event.h"
#include "common/logger.h"
#include "common/mounts.h"
#include "daemon/check_key.h"
#include "daemon/daemon_state.h"
#include "daemon/map_sync.h"
#include "daemon/pinned_reader.h"
#include "daemon/trusted_resolvers.h"
#include "daemon/uplink_backstop.h"
#include "kernel/dns_maps.h"
#include "policy/compiler.h"
#include "policy/service_tags.h"

namespace egress::daemon {

namespace {

constexpr const char* kComponent = "egressd";
constexpr const char* kVersion = "0.1.0";

enum Source : uint64_t {
	kSignal = 1,
	kInotify,
	kDebounce,
	kHeartbeat,
	kRingbuf,
	kControl,
	kHttp,
	kDenyFeed,
	kResolver,
	kUplink
};

Status watch(int epoll, int fd, Source source) {
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = source;
	if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
		return Error::from_errno(errno, "epoll_ctl");
	return ok_status();
}

Result<UniqueFd> make_timer(std::chrono::milliseconds interval, bool repeat) {
	UniqueFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	if (!fd)
		return Error::from_errno(errno, "timerfd_create");
	if (interval.count() > 0) {
		itimerspec spec{};
		spec.it_value.tv_sec = interval.count() / 1000;
		spec.it_value.tv_nsec = (interval.count() % 1000) * 1'000'000;
		if (repeat)
			spec.it_interval = spec.it_value;
		if (timerfd_settime(fd.get(), 0, &spec, nullptr) != 0)
			return Error::from_errno(errno, "timerfd_settime");
	}
	return fd;
}

void arm_once(int fd, std::chrono::milliseconds after) {
	itimerspec spec{};
	spec.it_value.tv_sec = after.count() / 1000;
	spec.it_value.tv_nsec = (after.count() % 1000) * 1'000'000;
	if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
		spec.it_value.tv_nsec = 1;
	timerfd_settime(fd, 0, &spec, nullptr);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void drain_timer(int fd) {
	uint64_t expirations;
	ssize_t n = ::read(fd, &expirations, sizeof(expirations));
	(void)n;
}

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

// Settings that are taken at start only (they hold open sockets, files or the attachment).
std::vector<std::string> restart_only_changes(const policy::Config& a, const policy::Config& b) {
	std::vector<std::string> out;
	if (a.cgroup_path != b.cgroup_path)
		out.push_back("cgroupPath");
	if (a.pin_path != b.pin_path)
		out.push_back("pinPath");
	if (a.control_socket != b.control_socket)
		out.push_back("controlSocket");
	if (a.metrics != b.metrics)
		out.push_back("metrics");
	if (a.deny_log != b.deny_log)
		out.push_back("denyLog");
	if (a.uplink != b.uplink)
		out.push_back("uplink");
	return out;
}

} // namespace

uint64_t boot_ns() {
	return SystemClock::instance().boot_ns();
}

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

Result<ActivePolicy> Daemon::State::build(const policy::Config& config) const {
	ActivePolicy next;
	next.config = config;
	std::optional<policy::ServiceTags> tags;
	if (!config.service_tags.empty()) {
		auto t = policy::load_service_tags(config.service_tags);
		if (!t.ok())
			return std::move(t).error().wrap("loading serviceTags");
		tags = std::move(*t);
	}
	auto compiled = policy::compile(config, catalog, tags ? &*tags : nullptr);
	if (!compiled.ok())
		return std::move(compiled).error().wrap("compiling the policy");
	next.compiled = std::move(*compiled);
	auto desired = desired_for(next.compiled, config);
	if (!desired.ok())
		return std::move(desired).error();
	next.desired = std::move(*desired);
	return next;
}

Result<DesiredState> Daemon::State::desired_for(const policy::CompiledPolicy& compiled,
                                                const policy::Config& config) const {
	auto desired = build_desired_state(compiled, check_key);
	if (!desired.ok())
		return std::move(desired).error().wrap("building the datapath state");
	desired->resolvers = trusted_resolvers(config.dns_servers, node_resolvers());
	return desired;
}

std::vector<IpAddress> Daemon::State::node_resolvers() const {
	if (opts.resolv_conf.empty())
		return {};
	auto text = read_text_file(opts.resolv_conf);
	if (!text.ok()) {
		// A node without resolv.conf has no resolvers of its own: dnsServers alone are trusted.
		if (text.error().code() != ENOENT)
			log::warn(kComponent) << "reading the node's resolvers: " << text.error().to_string();
		return {};
	}
	auto parsed = parse_resolv_conf(*text);
	for (const auto& why : parsed.ignored)
		log::warn(kComponent) << opts.resolv_conf << ": " << why;
	return parsed.nameservers;
}

// Writes a built policy to the kernel and makes it the active one.
Status Daemon::State::enforce(ActivePolicy& next) {
	auto t0 = std::chrono::steady_clock::now();
	last_maps_ms = 0;
	// The settings first: the name entries below are hashed with this key (unchanged since start).
	kernel::DnsMaps dns(*dp);
	EGRESS_TRY_CTX(dns.write_settings(dns_settings(check_key, next.config.dns)),
	               "writing the DNS learning settings");
	auto applied = apply_policy_maps(*dp, next.desired);
	if (!applied.ok())
		return std::move(applied).error();
	next.generation = active.generation + 1;
	kernel_config.mode =
	    next.config.mode == policy::Mode::enforce ? EGRESS_MODE_ENFORCE : EGRESS_MODE_AUDIT;
	kernel_config.fail_mode =
	    next.config.fail_mode == policy::FailMode::open ? EGRESS_FAIL_OPEN : EGRESS_FAIL_CLOSED;
	kernel_config.policy_generation = next.generation;
	kernel_config.heartbeat_ns = boot_ns();
	kernel_config.heartbeat_stale_ns = static_cast<uint64_t>(opts.heartbeat_stale.count()) * 1'000'000ULL;
	EGRESS_TRY_CTX(dp->write_config(kernel_config), "writing the config map");

	// The name rules of the new policy decide which learned addresses live on and with which ports.
	auto resolvers = diff_resolvers(active.desired.resolvers, next.desired.resolvers);
	for (const auto& a : resolvers.trusted)
		log::info(kComponent) << "DNS answers from " << a << " are learned from";
	for (const auto& a : resolvers.distrusted)
		log::info(kComponent) << "DNS answers from " << a << " are no longer learned from";
	for (const auto& w : book.set_policy(next.desired, check_key))
		if (auto st = write_learned(*dp, w); !st.ok())
			log::warn(kComponent) << st.error().to_string();
	// Before the first enforce, `active` holds no rules (an adopted map's rule ids are not ours).
	auto dropped =
	    relearn_all(*dp, next.desired.names, active.desired.rules.empty() ? nullptr : &active.desired);
	if (!dropped.ok())
		log::warn(kComponent) << "re-pointing learned addresses: " << dropped.error().to_string();
	else if (*dropped)
		log::info(kComponent)
		    << *dropped << " learned addresses dropped: no rule allows their names any more";
	last_maps_ms = ms_since(t0);

	log::info(kComponent) << "policy generation " << next.generation << " enforced ("
	                      << next.compiled.names.size() << " name rules, " << next.compiled.cidrs.size()
	                      << " CIDR rules; maps: " << applied->to_string() << "), mode "
	                      << policy::mode_name(next.config.mode) << ", failMode "
	                      << policy::fail_mode_name(next.config.fail_mode);
	for (const auto& w : next.compiled.warnings)
		log::debug(kComponent) << "policy warning: " << w.origin << ": " << w.message;
	active = std::move(next);
	metrics.set_policy_generation(active.generation);
	restart_resolver_if_needed(active.config);
	if (resolver)
		resolver->set_names(active.desired.exact_names);
	return ok_status();
}

void Daemon::State::restart_resolver_if_needed(const policy::Config& config) {
	if (active.desired.exact_names.empty()) {
		resolver.reset();
		book.forget_all();
		return;
	}
	auto servers = dns_servers(config);
	if (resolver && resolver->servers() == servers)
		return;
	if (resolver)
		epoll_ctl(epoll.get(), EPOLL_CTL_DEL, resolver->fd(), nullptr);
	resolver.reset();
	book.forget_all();
	resolver::CaresOptions transport;
	transport.servers = servers;
	transport.timeout = std::chrono::seconds(1);
	transport.tries = 2;
	auto w = ResolverWorker::start(resolver_options(config), transport);
	if (!w.ok()) {
		log::error(kComponent) << "active resolution disabled: " << w.error().to_string();
		return;
	}
	resolver = std::move(*w);
	if (auto st = watch(epoll.get(), resolver->fd(), kResolver); !st.ok())
		log::error(kComponent) << st.error().to_string();
}

Status Daemon::State::reload(const std::string& trigger) {
	ReloadResult r;
	r.trigger = trigger;
	r.time = std::chrono::system_clock::now();
	std::chrono::steady_clock::time_point t0;
	last_maps_ms = 0;
	auto fail = [&](Error e) -> Status {
		if (t0 != std::chrono::steady_clock::time_point())
			r.apply_ms = ms_since(t0);
		r.maps_ms = last_maps_ms;
		r.ok = false;
		r.error = e.to_string();
		r.generation = active.generation;
		last_reload = r;
		last_error = r.error;
		++reload_errors;
		metrics.inc_policy_reload_errors();
		log::error(kComponent) << "reload (" << trigger << ") failed, generation "
		                       << active.generation << " stays enforced: " << r.error;
		return e;
	};
	auto config = policy::load_config(opts.config_path);
	if (!config.ok())
		return fail(std::move(config).error());
	t0 = std::chrono::steady_clock::now();
	auto next = build(*config);
	if (!next.ok())
		return fail(std::move(next).error());
	for (const auto& key : restart_only_changes(active.config, *config))
		log::warn(kComponent)
		    << "config key " << key << " changed: it takes effect at the next restart";
	// Keys read only at start keep their running values, so that `status` tells the truth.
	next->config.cgroup_path = active.config.cgroup_path;
	next->config.pin_path = active.config.pin_path;
	next->config.control_socket = active.config.control_socket;
	next->config.metrics = active.config.metrics;
	next->config.deny_log = active.config.deny_log;
	next->config.uplink = active.config.uplink;
	if (auto st = enforce(*next); !st.ok()) {
		Error e = st.error();
		// A half-written map set must not stay: put the last good policy back.
		(void)kernel::DnsMaps(*dp).write_settings(dns_settings(check_key, active.config.dns));
		if (auto back = apply_policy_maps(*dp, active.desired); !back.ok())
			log::error(kComponent)
			    << "restoring the last good policy: " << back.error().to_string();
		return fail(std::move(e).wrap("writing the maps"));
	}
	r.generation = active.generation;
	r.apply_ms = ms_since(t0);
	r.maps_ms = last_maps_ms;
	log::info(kComponent) << "reload (" << trigger << "): generation " << r.generation << " applied in "
	                      << r.apply_ms << " ms (map writes " << r.maps_ms << " ms)";
	last_reload = r;
	last_error.clear();
	return ok_status();
}

void Daemon::State::heartbeat() {
	kernel_config.heartbeat_ns = boot_ns();
	if (auto st = dp->write_config(kernel_config); !st.ok())
		log::error(kComponent) << "heartbeat: " << st.error().to_string();
	if (auto c = dp->counters(); c.ok())
		(void)metrics.update_from_kernel_counters(*c);
	auto stats = deny_log->stats();
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
	for (auto id : kernel::kAllMaps) {
		if (!reports_fill(id))
			continue;
		auto fill = map_fill(dp->map_fd(id));
		if (fill.ok() && fill->max_entries)
			metrics.set_map_fill_ratio(kernel::map_name(id),
			                           static_cast<double>(fill->entries) /
			                               static_cast<double>(fill->max_entries));
	}
	names.expire(boot_ns());
}

void Daemon::State::on_address_changes() {
	if (!resolver)
		return;
	for (const auto& change : resolver->take_changes()) {
		auto w = book.apply(change);
		if (!w)
			continue;
		if (auto st = write_learned(*dp, *w); !st.ok())
			log::warn(kComponent) << st.error().to_string();
		log::debug(kComponent)
		    << "resolved " << change.name << " " << resolver::change_kind_name(change.kind) << " "
		    << change.address.to_string();
	}
}

void Daemon::State::follow_uplink(const std::optional<kernel::Uplink>& uplink) {
	auto at = move_backstop(*dp, uplink);
	if (!at.ok()) {
		// Enforcement does not depend on the backstop: the cgroup hooks stay. Record what is left.
		log::error(kComponent) << "TC backstop: " << at.error().to_string();
		if (auto now = attached_backstop(*dp); now.ok())
			backstop_ifindex = *now;
		return;
	}
	backstop_ifindex = *at;
	if (uplink)
		log::info(kComponent)
		    << "uplink " << uplink->ifname << " (ifindex " << uplink->ifindex << ", gateway "
		    << uplink->gateway.value_or("none") << "): TC backstop attached (audit only)";
}

void Daemon::State::on_uplink_change() {
	auto change = uplink_watcher->process();
	if (!change.ok()) {
		if (change.error().code() == ENETUNREACH) {
			log::warn(kComponent) << "uplink lost (no default route): going on without the TC "
			                         "backstop until one is back";
			follow_uplink(std::nullopt);
		} else {
			log::warn(kComponent) << "following the uplink: " << change.error().to_string();
		}
		return;
	}
	if (*change)
		follow_uplink(**change);
}

Daemon::Daemon(std::unique_ptr<State> state) : s_(std::move(state)) {
}

Daemon::~Daemon() {
	if (!s_)
		return;
	s_->resolver.reset();
	if (s_->deny_log)
		s_->deny_log->stop();
}

Result<std::unique_ptr<Daemon>> Daemon::start(DaemonOptions opts) {
	auto s = std::make_unique<State>();
	s->opts = std::move(opts);
	auto catalog = s->opts.catalog_path.empty() ? catalog::Catalog::load_embedded()
	                                            : catalog::Catalog::load_file(s->opts.catalog_path);
	if (!catalog.ok())
		return std::move(catalog).error().wrap("loading the catalog");
	s->catalog = std::move(*catalog);

	auto text = read_text_file(s->opts.config_path);
	if (!text.ok())
		return std::move(text).error();
	auto config = policy::load_config(s->opts.config_path);
	if (!config.ok())
		return std::move(config).error();
	auto t0 = std::chrono::steady_clock::now();
	auto first = s->build(*config);
	double build_ms = ms_since(t0);
	if (!first.ok())
		return std::move(first).error();

	s->epoll.reset(epoll_create1(EPOLL_CLOEXEC));
	if (!s->epoll)
		return Error::from_errno(errno, "epoll_create1");

	// The datapath: fresh, or adopting what a previous egressd left pinned (no enforcement gap).
	s->cgroup_path = config->cgroup_path;
	if (s->cgroup_path.empty()) {
		auto root = cgroup2_mount();
		if (!root.ok())
			return std::move(root).error();
		s->cgroup_path = *root;
	}
	kernel::DatapathOptions dopts;
	dopts.cgroup_path = s->cgroup_path;
	dopts.pin_dir = config->pin_path;
	dopts.mount_bpffs = true;
	// A named uplink is the datapath's to attach; `auto` is followed here, after attach().
	s->uplink_mode = uplink_mode(config->uplink);
	if (s->uplink_mode == UplinkMode::named)
		dopts.tc_interface = config->uplink;
	if (s->uplink_mode == UplinkMode::automatic) {
		// Subscribed before the lookup: no change between start and the loop is missed.
		auto w = kernel::UplinkWatcher::open();
		if (!w.ok())
			return std::move(w).error().wrap("following the uplink (uplink: auto)");
		s->uplink_watcher.emplace(std::move(*w));
	}
	auto dp = kernel::Datapath::load(dopts);
	if (!dp.ok())
		return std::move(dp).error().wrap("loading the datapath");
	s->dp.emplace(std::move(*dp));
	if (s->dp->adopted()) {
		if (auto old = s->dp->read_config(); old.ok()) {
			s->active.generation = old->policy_generation;
			s->kernel_config = *old;
		}
		log::info(kComponent) << "adopting the datapath pinned at " << config->pin_path
		                      << " (generation " << s->active.generation << ")";
	}
	// The name-rule check key: kept from the pins on adoption (the entries there were hashed with
	// it), random on a fresh install. The first build used key 0: rebuild its desired state.
	auto key = choose_check_key(kernel::DnsMaps(*s->dp), s->dp->adopted());
	if (!key.ok())
		return std::move(key).error().wrap("choosing the name-rule check key");
	s->check_key = key->key;
	log::info(kComponent) << (key->generated ? "generated a new" : "kept the pinned")
	                      << " name-rule check key";
	t0 = std::chrono::steady_clock::now();
	if (auto d = s->desired_for(first->compiled, *config); d.ok())
		first->desired = std::move(*d);
	else
		return std::move(d).error();
	build_ms += ms_since(t0);

	// Audit trail before enforcement, so the first deny is already logged.
	auto feed = DenyFeed::create();
	if (!feed.ok())
		return std::move(feed).error();
	s->feed = std::move(*feed);
	auto sinks = audit::make_sinks({config->deny_log.to_stdout, config->deny_log.file,
	                                config->deny_log.max_size_mb, config->deny_log.max_files});
	if (!sinks.ok())
		return std::move(sinks).error().wrap("opening the deny log");
	sinks->push_back(s->feed);
	audit::PodResolverOptions popts;
	if (auto root = cgroup2_mount(); root.ok())
		popts.cgroup_root = *root;
	popts.pod_logs_root = s->opts.pod_logs_root;
	s->pods = std::make_unique<audit::PodResolver>(popts);
	audit::DenyLogOptions lopts;
	lopts.node = s->node_name();
	lopts.window = s->opts.deny_window;
	s->deny_log = std::make_unique<audit::DenyLog>(lopts, SystemClock::instance(), s->pods.get(),
	                                               &s->names, std::move(*sinks));
	kernel::EventReader::Handlers handlers;
	State* self = s.get();
	handlers.deny = [self](const egress_deny_event& e) {
		auto ev = audit::decode_event(std::span(reinterpret_cast<const uint8_t*>(&e), sizeof(e)));
		if (ev.ok() && std::holds_alternative<audit::DenyEvent>(*ev))
			self->deny_log->record(std::get<audit::DenyEvent>(*ev));
	};
	handlers.learn = [self](const egress_learn_event& e) {
		auto ev = audit::decode_event(std::span(reinterpret_cast<const uint8_t*>(&e), sizeof(e)));
		if (ev.ok() && std::holds_alternative<audit::LearnEvent>(*ev))
			self->names.learn(std::get<audit::LearnEvent>(*ev));
	};
	auto reader = kernel::EventReader::open(s->dp->map_fd(kernel::MapId::events), std::move(handlers));
	if (!reader.ok())
		return std::move(reader).error().wrap("opening the event ring buffer");
	s->events.emplace(std::move(*reader));

	// The policy, then the programs.
	s->active.config = *config; // the start-only keys of the running daemon
	t0 = std::chrono::steady_clock::now();
	if (auto st = s->enforce(*first); !st.ok())
		return std::move(st).error().wrap("writing the policy");
	double apply_ms = build_ms + ms_since(t0);
	if (auto st = s->dp->attach(); !st.ok())
		return std::move(st).error().wrap("attaching");
	if (s->uplink_watcher) {
		// Also moves a filter that a previous egressd left on an interface that is no longer the
		// uplink.
		if (!s->uplink_watcher->current())
			log::warn(kComponent)
			    << "uplink: auto: no default route yet, no TC backstop until one appears";
		s->follow_uplink(s->uplink_watcher->current());
	} else if (auto at = attached_backstop(*s->dp); at.ok()) {
		s->backstop_ifindex = s->uplink_mode == UplinkMode::named ? *at : 0;
	}
	log::info(kComponent) << (s->dp->adopted() ? "re-attached" : "attached") << " to cgroup "
	                      << s->cgroup_path << " (id " << s->dp->cgroup_id() << "), pins at "
	                      << config->pin_path;
	s->last_reload = {
	    true,     "startup",      "", std::chrono::system_clock::now(), s->active.generation,
	    apply_ms, s->last_maps_ms};
	log::info(kComponent) << "startup: generation " << s->active.generation << " applied in " << apply_ms
	                      << " ms (map writes " << s->last_maps_ms << " ms)";

	auto watcher = ConfigWatcher::open(s->opts.config_path, *text);
	if (!watcher.ok())
		return std::move(watcher).error();
	s->watcher.emplace(std::move(*watcher));
	auto control = ControlServer::listen(config->control_socket,
	                                     [self](const control::Request& r) { return self->handle(r); });
	if (!control.ok())
		return std::move(control).error().wrap("opening the control socket");
	s->control.emplace(std::move(*control));
	if (config->metrics.listen) {
		auto http = HttpServer::listen(*config->metrics.listen,
		                               [self](const std::string& p) { return self->serve_http(p); });
		if (!http.ok())
			return std::move(http).error().wrap("opening the metrics endpoint");
		s->http.emplace(std::move(*http));
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	s->signals.reset(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
	if (!s->signals)
		return Error::from_errno(errno, "signalfd");
	auto hb = make_timer(s->opts.heartbeat_interval, true);
	auto deb = make_timer(std::chrono::milliseconds(0), false);
	if (!hb.ok())
		return std::move(hb).error();
	if (!deb.ok())
		return std::move(deb).error();
	s->heartbeat_timer = std::move(*hb);
	s->debounce_timer = std::move(*deb);
	EGRESS_TRY(watch(s->epoll.get(), s->signals.get(), kSignal));
	EGRESS_TRY(watch(s->epoll.get(), s->watcher->fd(), kInotify));
	EGRESS_TRY(watch(s->epoll.get(), s->debounce_timer.get(), kDebounce));
	EGRESS_TRY(watch(s->epoll.get(), s->heartbeat_timer.get(), kHeartbeat));
	EGRESS_TRY(watch(s->epoll.get(), s->events->epoll_fd(), kRingbuf));
	EGRESS_TRY(watch(s->epoll.get(), s->control->fd(), kControl));
	EGRESS_TRY(watch(s->epoll.get(), s->feed->fd(), kDenyFeed));
	if (s->http)
		EGRESS_TRY(watch(s->epoll.get(), s->http->fd(), kHttp));
	if (s->uplink_watcher)
		EGRESS_TRY(watch(s->epoll.get(), s->uplink_watcher->fd(), kUplink));

	s->metrics.set_build_info(kVersion, EGRESS_MAP_LAYOUT_VERSION, EGRESS_EVENT_SCHEMA_VERSION);
	s->collect();
	s->ready = true;
	log::info(kComponent) << "ready: control socket " << config->control_socket
	                      << (s->http ? ", metrics on " + config->metrics.listen->to_string()
	                                  : std::string());
	return std::unique_ptr<Daemon>(new Daemon(std::move(s)));
}

Status Daemon::run() {
	State& s = *s_;
	epoll_event events[16];
	while (!s.stopping) {
		int n = epoll_wait(s.epoll.get(), events, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Error::from_errno(errno, "epoll_wait");
		}
		for (int i = 0; i < n; ++i) {
			switch (events[i].data.u64) {
			case kSignal: {
				signalfd_siginfo si{};
				while (::read(s.signals.get(), &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						log::info(kComponent)
						    << "SIGHUP: reloading " << s.opts.config_path;
						s.watcher->invalidate();
						(void)s.reload("SIGHUP");
						(void)
						    s.watcher->read_if_changed(); // the content now in force
					} else {
						log::info(kComponent)
						    << "signal " << si.ssi_signo
						    << ": exiting; enforcement stays in place (pinned)";
						s.stopping = true;
					}
				}
				break;
			}
			case kInotify: {
				auto relevant = s.watcher->drain();
				if (relevant.ok() && *relevant)
					arm_once(s.debounce_timer.get(), s.opts.reload_debounce);
				break;
			}
			case kDebounce: {
				drain_timer(s.debounce_timer.get());
				auto changed = s.watcher->read_if_changed();
				if (!changed.ok()) {
					// Mid-swap or deleted: the next event (or a SIGHUP) brings it back.
					log::warn(kComponent)
					    << "config not readable: " << changed.error().to_string();
				} else if (*changed) {
					log::info(kComponent) << s.opts.config_path << " changed: reloading";
					(void)s.reload("inotify");
				}
				break;
			}
			case kHeartbeat:
				drain_timer(s.heartbeat_timer.get());
				s.heartbeat();
				if (++s.ticks % std::max<uint64_t>(
				                    1, static_cast<uint64_t>(s.opts.gc_interval /
				                                             s.opts.heartbeat_interval)) ==
				    0)
					s.collect();
				break;
			case kRingbuf:
				if (auto r = s.events->consume(); !r.ok())
					log::warn(kComponent) << "ring buffer: " << r.error().to_string();
				break;
			case kControl:
				s.control->service();
				break;
			case kHttp:
				s.http->service();
				break;
			case kDenyFeed:
				for (const auto& line : s.feed->take_new())
					s.control->broadcast_deny(line);
				break;
			case kResolver:
				s.on_address_changes();
				break;
			case kUplink:
				s.on_uplink_change();
				break;
			}
		}
	}
	// Clean exit: flush the deny log; the pinned links and maps keep enforcing.
	s.resolver.reset();
	s.deny_log->stop();
	for (const auto& line : s.feed->take_new())
		s.control->broadcast_deny(line);
	return ok_status();
}

} // namespace egress::daemon
