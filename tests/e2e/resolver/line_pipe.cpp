#include "line_pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace egress::resolver::e2e {

LinePipe::LinePipe() {
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		throw std::runtime_error("pipe2 failed");
	read_.reset(fds[0]);
	write_.reset(fds[1]);
}

void LinePipe::write_line(const std::string& line) const {
	std::string l = line + "\n";
	size_t off = 0;
	while (off < l.size()) {
		ssize_t n = write(write_.get(), l.data() + off, l.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += static_cast<size_t>(n);
	}
}

std::optional<std::string> LinePipe::read_line(std::chrono::milliseconds timeout) {
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		auto nl = buffer_.find('\n');
		if (nl != std::string::npos) {
			std::string line = buffer_.substr(0, nl);
			buffer_.erase(0, nl + 1);
			seen_.push_back(line);
			return line;
		}
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
		    deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			return std::nullopt;
		pollfd p{read_.get(), POLLIN, 0};
		int rc = poll(&p, 1, static_cast<int>(left.count()));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return std::nullopt;
		char buf[4096];
		ssize_t n = read(read_.get(), buf, sizeof(buf));
		if (n <= 0)
			return std::nullopt; // EOF: the child is gone
		buffer_.append(buf, static_cast<size_t>(n));
	}
}

std::optional<std::string> LinePipe::wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
		    deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			return std::nullopt;
		auto line = read_line(left);
		if (!line)
			return std::nullopt;
		if (line->find(needle) != std::string::npos)
			return line;
	}
}

std::string LinePipe::read_all(std::chrono::milliseconds timeout) {
	std::string out;
	while (auto line = read_line(timeout))
		out += *line + "\n";
	return out;
}

std::string LinePipe::transcript() const {
	std::string out;
	for (const auto& l : seen_)
		out += "  " + l + "\n";
	return out;
}

} // namespace egress::resolver::e2e
