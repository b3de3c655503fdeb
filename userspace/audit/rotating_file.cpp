#include "audit/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

namespace egress::audit {
namespace fs = std::filesystem;

Result<std::unique_ptr<RotatingFileSink>> RotatingFileSink::open(std::string path, uint64_t max_bytes,
                                                                 unsigned max_files) {
	if (path.empty())
		return Error("deny log file: empty path", EINVAL);
	if (max_bytes == 0)
		return Error("deny log file " + path + ": maximum size must be positive", EINVAL);
	if (max_files == 0)
		return Error("deny log file " + path + ": maxFiles must be at least 1", EINVAL);
	std::error_code ec;
	fs::path parent = fs::path(path).parent_path();
	if (!parent.empty())
		fs::create_directories(parent, ec);
	if (ec)
		return Error("creating " + parent.string() + ": " + ec.message(), ec.value());
	std::unique_ptr<RotatingFileSink> sink(new RotatingFileSink(std::move(path), max_bytes, max_files));
	EGRESS_TRY(sink->open_file());
	return sink;
}

Status RotatingFileSink::open_file() {
	int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return Error::from_errno(errno, "opening " + path_);
	fd_.reset(fd);
	struct stat st {};
	if (::fstat(fd, &st) != 0)
		return Error::from_errno(errno, "stat " + path_);
	size_ = static_cast<uint64_t>(st.st_size);
	return ok_status();
}

Status RotatingFileSink::flush() {
	size_t done = 0;
	while (done < buffer_.size()) {
		ssize_t n = ::write(fd_.get(), buffer_.data() + done, buffer_.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			// Keep what did not fit out of the buffer: a full disk must not grow memory forever.
			buffer_.clear();
			return Error::from_errno(err, "writing " + path_);
		}
		done += static_cast<size_t>(n);
		size_ += static_cast<uint64_t>(n);
	}
	buffer_.clear();
	return ok_status();
}

Status RotatingFileSink::rotate() {
	EGRESS_TRY(flush());
	fd_.reset();
	std::error_code ec;
	// path.(N-1) is the oldest kept; shifting it would make path.N, one file too many.
	if (max_files_ > 1)
		fs::remove(path_ + "." + std::to_string(max_files_ - 1), ec);
	for (unsigned i = max_files_ - 1; i >= 2; --i) {
		std::string from = path_ + "." + std::to_string(i - 1);
		if (fs::exists(from, ec))
			fs::rename(from, path_ + "." + std::to_string(i), ec);
	}
	if (max_files_ > 1)
		fs::rename(path_, path_ + ".1", ec);
	else
		fs::remove(path_, ec);
	// Reopen even when the rename failed: appending past the limit beats losing every line.
	EGRESS_TRY(open_file());
	if (ec)
		return Error("rotating " + path_ + ": " + ec.message(), ec.value());
	++rotations_;
	return ok_status();
}

Status RotatingFileSink::write(std::string_view line) {
	uint64_t need = line.size() + 1;
	if (size() > 0 && size() + need > max_bytes_)
		EGRESS_TRY(rotate());
	buffer_.append(line);
	buffer_.push_back('\n');
	return ok_status();
}

} // namespace egress::audit
