// UniqueHandle: single owner of a C resource released by a free function. The kernel module
// instantiates it for libbpf types (skeletons, bpf_link, ring_buffer) so that common/ needs no
// kernel or libbpf headers; UniqueFd is the file-descriptor flavour.
#pragma once

#include <unistd.h>

#include <utility>

namespace egress {

template <typename T, auto Release>
class UniqueHandle {
public:
	UniqueHandle() = default;
	explicit UniqueHandle(T* p) : p_(p) {}
	UniqueHandle(const UniqueHandle&) = delete;
	UniqueHandle& operator=(const UniqueHandle&) = delete;
	UniqueHandle(UniqueHandle&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
	UniqueHandle& operator=(UniqueHandle&& o) noexcept {
		if (this != &o)
			reset(std::exchange(o.p_, nullptr));
		return *this;
	}
	~UniqueHandle() { reset(); }

	T* get() const { return p_; }
	T* operator->() const { return p_; }
	explicit operator bool() const { return p_ != nullptr; }
	T* release() { return std::exchange(p_, nullptr); }
	void reset(T* p = nullptr) {
		if (p_)
			Release(p_);
		p_ = p;
	}

private:
	T* p_ = nullptr;
};

class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	UniqueFd(const UniqueFd&) = delete;
	UniqueFd& operator=(const UniqueFd&) = delete;
	UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	UniqueFd& operator=(UniqueFd&& o) noexcept {
		if (this != &o)
			reset(std::exchange(o.fd_, -1));
		return *this;
	}
	~UniqueFd() { reset(); }

	int get() const { return fd_; }
	bool valid() const { return fd_ >= 0; }
	explicit operator bool() const { return valid(); }
	int release() { return std::exchange(fd_, -1); }
	void reset(int fd = -1) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}

private:
	int fd_ = -1;
};

} // namespace egress
