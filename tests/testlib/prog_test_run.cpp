#include "prog_test_run.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace egress::testlib {
namespace {

constexpr const char* kWireName = "aegwire0";

// One thread in a network namespace of its own (unshare affects only the calling thread), holding
// a veth pair (not a dummy: kernels built without the dummy module exist, and every node has veth).
// The namespace and the devices go away with the process: nothing to clean up.
class WireThread {
public:
	static WireThread& get() {
		// Never destroyed: the worker waits on cv_ for ever, and destroying a condition variable
		// with a waiter blocks exit (glibc's pthread_cond_destroy waits for it).
		static WireThread* t = new WireThread;
		return *t;
	}

	void run(const std::function<void()>& job) {
		std::unique_lock lock(mu_);
		cv_.wait(lock, [&] { return job_ == nullptr; }); // another caller's job first
		job_ = &job;
		cv_.notify_all();
		cv_.wait(lock, [&] { return job_ == nullptr; });
	}

	uint32_t ifindex() const { return ifindex_; }

	// Throws (to the test, which fails) when the namespace or the device could not be made; the
	// object itself stays, so the worker never outlives what it points at.
	void require_wire() const {
		if (ifindex_ == 0)
			throw std::runtime_error("prog_test_run: no wire device: " + setup_error_);
	}

private:
	WireThread() {
		std::unique_lock lock(mu_);
		thread_ = std::thread([this] { loop(); });
		thread_.detach(); // lives as long as the process
		cv_.wait(lock, [&] { return ready_; });
	}

	void setup() {
		if (unshare(CLONE_NEWNET) != 0) {
			setup_error_ = "unshare(CLONE_NEWNET) failed (root needed)";
			return;
		}
		// system() forks from this thread: the child is in this thread's namespace.
		std::string cmd = std::string("ip link add ") + kWireName +
		                  " type veth peer name aegwire1 && ip link set " + kWireName + " up";
		if (std::system(cmd.c_str()) != 0) {
			setup_error_ = cmd + " failed";
			return;
		}
		ifindex_ = if_nametoindex(kWireName);
		if (ifindex_ == 0)
			setup_error_ = "if_nametoindex failed";
	}

	void loop() {
		std::unique_lock lock(mu_);
		setup();
		ready_ = true;
		cv_.notify_all();
		while (true) {
			cv_.wait(lock, [&] { return job_ != nullptr; });
			(*job_)();
			job_ = nullptr;
			cv_.notify_all();
		}
	}

	std::mutex mu_;
	std::condition_variable cv_;
	const std::function<void()>* job_ = nullptr;
	bool ready_ = false;
	uint32_t ifindex_ = 0;
	std::string setup_error_;
	std::thread thread_;
};

TestRunResult run_here(int prog_fd, const std::vector<uint8_t>& packet, uint32_t repeat, uint32_t ifindex) {
	std::vector<uint8_t> out(packet.size() + 256);
	__sk_buff ctx{};
	ctx.ifindex = ifindex;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(), .data_out = out.data(),
	            .data_size_in = static_cast<uint32_t>(packet.size()),
	            .data_size_out = static_cast<uint32_t>(out.size()), .ctx_in = &ctx,
	            .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(repeat));
	TestRunResult r;
	r.err = bpf_prog_test_run_opts(prog_fd, &opts);
	r.retval = opts.retval;
	r.duration_ns = opts.duration;
	return r;
}

} // namespace

uint32_t wire_ifindex() {
	WireThread::get().require_wire();
	return WireThread::get().ifindex();
}

TestRunResult prog_test_run(int prog_fd, const std::vector<uint8_t>& packet, uint32_t repeat, Device device) {
	if (device == Device::loopback)
		return run_here(prog_fd, packet, repeat, 1);
	WireThread& wire = WireThread::get();
	wire.require_wire();
	TestRunResult r;
	std::function<void()> job = [&] { r = run_here(prog_fd, packet, repeat, wire.ifindex()); };
	wire.run(job);
	return r;
}

} // namespace egress::testlib
