// Result<T> / Error: recoverable errors as values (no <expected>: clang 14 + libstdc++ 12 lack it).
//
// An Error carries an errno (0 when none applies), a message, and a chain of context added as it
// travels up ("loading policy: parsing /etc/egress/config.yaml: allow[2].ports[0]: bad port").
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace egress {

class Error {
public:
	Error() = default;
	explicit Error(std::string message, int err = 0) : errno_(err), message_(std::move(message)) {}

	// An error from a failed system call: the message gets strerror(err) appended.
	static Error from_errno(int err, std::string what);

	int code() const { return errno_; }
	const std::string& message() const { return message_; }
	const std::vector<std::string>& context() const { return context_; }

	// Adds an outer layer of context; returns *this for chaining.
	Error& wrap(std::string outer) &;
	Error&& wrap(std::string outer) &&;

	// "outer: inner: message" (the errno text is already in the message).
	std::string to_string() const;

private:
	int errno_ = 0;
	std::string message_;
	std::vector<std::string> context_; // outermost last
};

template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
	Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }

	T& value() & { return std::get<0>(v_); }
	const T& value() const& { return std::get<0>(v_); }
	T&& value() && { return std::get<0>(std::move(v_)); }
	T* operator->() { return &value(); }
	const T* operator->() const { return &value(); }
	T& operator*() & { return value(); }
	const T& operator*() const& { return value(); }

	const Error& error() const& { return std::get<1>(v_); }
	Error&& error() && { return std::get<1>(std::move(v_)); }

	// Adds context to an error; a no-op on success.
	Result&& context(std::string outer) && {
		if (!ok())
			std::get<1>(v_).wrap(std::move(outer));
		return std::move(*this);
	}

private:
	std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)), ok_(false) {}

	bool ok() const { return ok_; }
	explicit operator bool() const { return ok_; }
	const Error& error() const& { return error_; }
	Error&& error() && { return std::move(error_); }
	Result&& context(std::string outer) && {
		if (!ok_)
			error_.wrap(std::move(outer));
		return std::move(*this);
	}

private:
	Error error_;
	bool ok_ = true;
};

using Status = Result<void>;

inline Status ok_status() {
	return Status();
}

} // namespace egress

// Propagates an error from an expression returning Result<...>/Status, optionally with context.
#define EGRESS_TRY(expr)                                                                                     \
	do {                                                                                                 \
		auto&& egress_try_r_ = (expr);                                                               \
		if (!egress_try_r_.ok())                                                                     \
			return std::move(egress_try_r_).error();                                             \
	} while (0)

#define EGRESS_TRY_CTX(expr, ctx)                                                                            \
	do {                                                                                                 \
		auto&& egress_try_r_ = (expr);                                                               \
		if (!egress_try_r_.ok())                                                                     \
			return std::move(std::move(egress_try_r_).error().wrap(ctx));                        \
	} while (0)
