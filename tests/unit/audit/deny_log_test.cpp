#include "audit/deny_log.h"

#include <sys/stat.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "temp_dir.h"
#include "test_events.h"

namespace egress::audit {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::deny;

const auto kWall = std::chrono::system_clock::time_point(1795253430000ms); // 2026-11-21T09:30:30Z

std::vector<json> parsed(const MemorySink& sink) {
	std::vector<json> out;
	for (const auto& l : sink.lines())
		out.push_back(json::parse(l));
	return out;
}

TEST(DenyLog, AggregatesWithinTheWindowOnTheInjectedClock) {
	ManualClock clock(100'000'000'000ULL, kWall);
	auto mem = std::make_shared<MemorySink>(100);
	DenyLog log({.node = "node-1", .window = 10s}, clock, nullptr, nullptr, {mem});
	auto e = deny();
	e.ts_ns = clock.boot_ns() - 2'000'000'000ULL; // happened 2 s before the writer saw it
	for (int i = 0; i < 3; ++i) {
		e.sport = static_cast<uint16_t>(50000 + i);
		ASSERT_TRUE(log.record(e));
	}
	ASSERT_TRUE(log.record(deny("198.51.100.1", 80)));
	log.sync();
	EXPECT_TRUE(mem->lines().empty()); // windows still open
	clock.advance(9s);
	log.sync();
	EXPECT_TRUE(mem->lines().empty());
	clock.advance(1s);
	log.sync();
	auto lines = parsed(*mem);
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0]["dst"], "203.0.113.7");
	EXPECT_EQ(lines[0]["count"], 3);
	EXPECT_EQ(lines[0]["sport"], 50000);
	EXPECT_EQ(lines[0]["time"], "2026-11-21T09:30:28.000Z");
	EXPECT_EQ(lines[0]["node"], "node-1");
	EXPECT_EQ(lines[1]["dst"], "198.51.100.1");
	EXPECT_EQ(lines[1]["count"], 1);
	auto st = log.stats();
	EXPECT_EQ(st.accepted, 4u);
	EXPECT_EQ(st.dropped, 0u);
	EXPECT_EQ(st.lines, 2u);
}

// A sink for denies only, as the feed of `egressctl denies` is.
class DeniesOnlySink final : public LineSink {
public:
	Status write(std::string_view line) override {
		lines.emplace_back(line);
		return ok_status();
	}
	bool takes_notices() const override { return false; }
	std::vector<std::string> lines;
};

TEST(DenyLog, ANoticeGoesToTheSinksThatTakeNotices) {
	ManualClock clock(1'000'000'000ULL, kWall);
	auto mem = std::make_shared<MemorySink>(100);
	auto denies = std::make_shared<DeniesOnlySink>();
	{
		DenyLog log({.node = "n", .window = 1h}, clock, nullptr, nullptr, {mem, denies});
		log.notice("raw frames from host processes are not guarded on this kernel (test)");
		log.record(deny());
		log.stop();
	}
	auto lines = parsed(*mem);
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0]["notice"], "raw frames from host processes are not guarded on this kernel (test)");
	EXPECT_EQ(lines[0]["node"], "n");
	EXPECT_EQ(lines[1]["reason"], "no_rule");
	ASSERT_EQ(denies->lines.size(), 1u);
	EXPECT_EQ(json::parse(denies->lines[0])["reason"], "no_rule");
}

TEST(DenyLog, StopFlushesOpenWindows) {
	ManualClock clock(1'000'000'000ULL, kWall);
	auto mem = std::make_shared<MemorySink>(100);
	{
		DenyLog log({.node = "n", .window = 1h}, clock, nullptr, nullptr, {mem});
		log.record(deny());
		log.record(deny());
		log.stop();
		EXPECT_FALSE(log.record(deny())); // stopped: refused, counted as dropped
		EXPECT_EQ(log.stats().dropped, 1u);
	}
	auto lines = parsed(*mem);
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(lines[0]["count"], 2);
}

TEST(DenyLog, AttributesPodAndNamesToAFileSink) {
	testing::TempDir tmp;
	const std::string uid = "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc";
	const std::string cid(64, 'c');
	fs::path cg = tmp / ("cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	                     "8f2c1a3e_5b7d_4c9e_a1f0_123456789abc.slice/cri-containerd-" +
	                     cid + ".scope");
	fs::create_directories(cg);
	fs::create_directories(tmp / "pods" / ("team-a_web-0_" + uid));
	struct stat st {};
	ASSERT_EQ(::stat(cg.c_str(), &st), 0);

	PodResolver resolver(
	    {.cgroup_root = (tmp / "cgroup").string(), .pod_logs_root = (tmp / "pods").string()});
	NameIndex names;
	ManualClock clock(100'000'000'000ULL, kWall);
	names.learn(testing::learn("203.0.113.7", "api.example.com", clock.boot_ns() + 30'000'000'000ULL));

	auto sinks = make_sinks({.to_stdout = false,
	                         .file = (tmp / "log/denies.log").string(),
	                         .max_size_mb = 1,
	                         .max_files = 2});
	ASSERT_TRUE(sinks.ok()) << sinks.error().to_string();
	{
		DenyLog log({.node = "aks-node-0", .window = 0s}, clock, &resolver, &names,
		            std::move(sinks.value()));
		ASSERT_TRUE(log.record(deny("203.0.113.7", 443, st.st_ino)));
		log.stop();
	}
	std::ifstream in(tmp / "log/denies.log");
	std::string line;
	ASSERT_TRUE(std::getline(in, line));
	json j = json::parse(line);
	EXPECT_EQ(j["pod"], json({{"namespace", "team-a"}, {"name", "web-0"}, {"uid", uid}}));
	EXPECT_EQ(j["container_id"], cid);
	EXPECT_EQ(j["cgroup_id"], st.st_ino);
	EXPECT_EQ(j["dst_names"], json({"api.example.com"}));
	EXPECT_FALSE(std::getline(in, line)); // exactly one line
}

// A sink that blocks in write() until released: the stand-in for a stalled disk or stdout pipe.
class StalledSink final : public LineSink {
public:
	Status write(std::string_view line) override {
		std::unique_lock lock(mu_);
		++writes_;
		lines_.emplace_back(line);
		cv_.notify_all();
		cv_.wait(lock, [&] { return released_; });
		return ok_status();
	}
	bool wait_entered(std::chrono::seconds timeout) {
		std::unique_lock lock(mu_);
		return cv_.wait_for(lock, timeout, [&] { return writes_ > 0; });
	}
	void release() {
		std::lock_guard lock(mu_);
		released_ = true;
		cv_.notify_all();
	}
	size_t lines() {
		std::lock_guard lock(mu_);
		return lines_.size();
	}

private:
	std::mutex mu_;
	std::condition_variable cv_;
	int writes_ = 0;
	bool released_ = false;
	std::vector<std::string> lines_;
};

TEST(DenyLog, FullQueueDropsAndNeverBlocks) {
	ManualClock clock(1'000'000'000ULL, kWall);
	auto sink = std::make_shared<StalledSink>();
	DenyLog log({.node = "n", .window = 0s, .queue_capacity = 16}, clock, nullptr, nullptr, {sink});
	ASSERT_TRUE(log.record(deny("203.0.113.1", 1)));
	ASSERT_TRUE(sink->wait_entered(10s)); // the writer is now stuck in the sink

	constexpr int kEvents = 100000;
	int refused = 0;
	auto start = std::chrono::steady_clock::now();
	for (int i = 0; i < kEvents; ++i)
		if (!log.record(deny("203.0.113.2", static_cast<uint16_t>(i % 60000 + 1))))
			++refused;
	auto took = std::chrono::steady_clock::now() - start;
	EXPECT_LT(took, 2s) << "record() waited for the stalled sink";
	EXPECT_EQ(refused, kEvents - 16);
	EXPECT_EQ(log.stats().dropped, uint64_t(kEvents - 16));
	EXPECT_EQ(log.stats().accepted, 17u);

	sink->release();
	log.stop();
	EXPECT_EQ(sink->lines(), 17u); // the first event and the 16 queued ones, distinct ports
}

TEST(DenyLog, SinkErrorsAreCountedNotFatal) {
	class FailingSink final : public LineSink {
	public:
		Status write(std::string_view) override { return Error("disk full", ENOSPC); }
	};
	ManualClock clock(1'000'000'000ULL, kWall);
	auto mem = std::make_shared<MemorySink>(10);
	DenyLog log({.node = "n", .window = 0s}, clock, nullptr, nullptr,
	            {std::make_shared<FailingSink>(), mem});
	log.record(deny());
	log.sync();
	EXPECT_EQ(log.stats().write_errors, 1u);
	EXPECT_EQ(mem->lines().size(), 1u); // the other sink still got the line
}

} // namespace
} // namespace egress::audit
