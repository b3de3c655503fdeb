#include "result.h"

namespace egress {

Error Error::from_errno(int err, std::string what) {
	if (err < 0)
		err = -err;
	what += ": ";
	what += std::strerror(err);
	return Error(std::move(what), err);
}

Error& Error::wrap(std::string outer) & {
	context_.push_back(std::move(outer));
	return *this;
}

Error&& Error::wrap(std::string outer) && {
	context_.push_back(std::move(outer));
	return std::move(*this);
}

std::string Error::to_string() const {
	std::string out;
	for (auto it = context_.rbegin(); it != context_.rend(); ++it) {
		out += *it;
		out += ": ";
	}
	out += message_;
	return out;
}

} // namespace egress
