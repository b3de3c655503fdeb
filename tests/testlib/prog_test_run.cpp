#include "prog_test_run.h"

#include <bpf/bpf.h>

namespace egress::testlib {

TestRunResult prog_test_run(int prog_fd, const std::vector<uint8_t>& packet, uint32_t repeat) {
	std::vector<uint8_t> out(packet.size() + 256);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(), .data_out = out.data(),
	            .data_size_in = static_cast<uint32_t>(packet.size()),
	            .data_size_out = static_cast<uint32_t>(out.size()), .repeat = static_cast<int>(repeat));
	TestRunResult r;
	r.err = bpf_prog_test_run_opts(prog_fd, &opts);
	r.retval = opts.retval;
	r.duration_ns = opts.duration;
	return r;
}

} // namespace egress::testlib
