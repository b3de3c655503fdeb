#include "daemon/audit_trail.h"

#include "audit/event.h"
#include "common/logger.h"
#include "common/mounts.h"

namespace egress::daemon {

Result<std::unique_ptr<AuditTrail>> AuditTrail::open(const policy::DenyLog& deny_log, const Options& options,
                                                     const kernel::Datapath& dp, EventLoop& loop,
                                                     std::function<void(const std::string&)> on_line) {
	std::unique_ptr<AuditTrail> t(new AuditTrail());
	t->loop_ = &loop;
	t->on_line_ = std::move(on_line);
	auto feed = DenyFeed::create();
	if (!feed.ok())
		return std::move(feed).error();
	t->feed_ = std::move(*feed);
	auto sinks =
	    audit::make_sinks({deny_log.to_stdout, deny_log.file, deny_log.max_size_mb, deny_log.max_files});
	if (!sinks.ok())
		return std::move(sinks).error().wrap("opening the deny log");
	sinks->push_back(t->feed_);
	audit::PodResolverOptions popts;
	if (auto root = cgroup2_mount(); root.ok())
		popts.cgroup_root = *root;
	popts.pod_logs_root = options.pod_logs_root;
	t->pods_ = std::make_unique<audit::PodResolver>(popts);
	audit::DenyLogOptions lopts;
	lopts.node = options.node;
	lopts.window = options.deny_window;
	t->log_ = std::make_unique<audit::DenyLog>(lopts, SystemClock::instance(), t->pods_.get(), &t->names_,
	                                           std::move(*sinks));
	kernel::EventReader::Handlers handlers;
	AuditTrail* self = t.get();
	handlers.record = [self](std::span<const uint8_t> record) { self->on_record(record); };
	auto reader = kernel::EventReader::open(dp.map_fd(kernel::MapId::events), std::move(handlers));
	if (!reader.ok())
		return std::move(reader).error().wrap("opening the event ring buffer");
	t->events_.emplace(std::move(*reader));
	EGRESS_TRY(loop.add(t->events_->epoll_fd(), [self] {
		if (auto r = self->events_->consume(); !r.ok())
			log::warn("egressd") << "ring buffer: " << r.error().to_string();
	}));
	EGRESS_TRY(loop.add(t->feed_->fd(), [self] { self->on_feed(); }));
	return t;
}

AuditTrail::~AuditTrail() {
	if (loop_ && events_)
		loop_->remove(events_->epoll_fd());
	if (loop_ && feed_)
		loop_->remove(feed_->fd());
	if (log_)
		log_->stop();
}

void AuditTrail::on_record(std::span<const uint8_t> record) {
	auto ev = audit::decode_event(record);
	if (!ev.ok()) {
		log::debug("egressd") << "ring buffer record skipped: " << ev.error().to_string();
		return;
	}
	if (auto* deny = std::get_if<audit::DenyEvent>(&*ev))
		log_->record(*deny);
	else if (auto* learn = std::get_if<audit::LearnEvent>(&*ev))
		names_.learn(*learn);
}

void AuditTrail::on_feed() {
	for (const auto& line : feed_->take_new())
		on_line_(line);
}

void AuditTrail::stop() {
	log_->stop();
	on_feed();
}

} // namespace egress::daemon
