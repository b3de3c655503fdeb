#include "dns/name.h"

#include <cerrno>

namespace egress::dns {
namespace {

bool plain_label_byte(unsigned char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '*';
}

Error name_error(std::string_view text, const std::string& what) {
	return Error("invalid DNS name \"" + std::string(text) + "\": " + what, EINVAL);
}

} // namespace

std::string ascii_lower(std::string_view text) {
	std::string out(text);
	for (char& c : out)
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c + ('a' - 'A'));
	return out;
}

Result<std::vector<std::string>> split_name(std::string_view text) {
	if (!text.empty() && text.back() == '.') {
		// "a\\." ends with an escaped backslash and a real dot; "a\." with an escaped dot.
		size_t slashes = 0;
		while (slashes + 1 < text.size() && text[text.size() - 2 - slashes] == '\\')
			++slashes;
		if (slashes % 2 == 0)
			text.remove_suffix(1);
	}
	if (text.empty())
		return name_error(text, "empty name");
	std::vector<std::string> labels;
	std::string label;
	size_t wire = 1; // the root octet
	auto finish = [&]() -> Status {
		if (label.empty())
			return name_error(text, "empty label");
		if (label.size() > kMaxLabelLength)
			return name_error(text, "label longer than 63 bytes");
		wire += 1 + label.size();
		labels.push_back(std::move(label));
		label.clear();
		return ok_status();
	};
	for (size_t i = 0; i < text.size(); ++i) {
		char c = text[i];
		if (c == '.') {
			EGRESS_TRY(finish());
			continue;
		}
		if (c != '\\') {
			label.push_back(c);
			continue;
		}
		if (i + 1 >= text.size())
			return name_error(text, "escape at the end");
		char n = text[i + 1];
		if (n >= '0' && n <= '9') {
			if (text.size() < i + 4)
				return name_error(text, "short \\DDD escape");
			int v = 0;
			for (size_t j = i + 1; j <= i + 3; ++j) {
				if (text[j] < '0' || text[j] > '9')
					return name_error(text, "bad \\DDD escape");
				v = v * 10 + (text[j] - '0');
			}
			if (v > 255)
				return name_error(text, "\\DDD escape over 255");
			label.push_back(static_cast<char>(v));
			i += 3;
		} else {
			label.push_back(n);
			i += 1;
		}
	}
	EGRESS_TRY(finish());
	if (wire > kMaxWireNameLength)
		return name_error(text, "longer than 255 bytes in wire format");
	return labels;
}

std::string join_labels(const std::vector<std::string>& labels, bool lower) {
	std::string out;
	for (size_t i = 0; i < labels.size(); ++i) {
		if (i)
			out.push_back('.');
		for (char ch : labels[i]) {
			auto c = static_cast<unsigned char>(ch);
			if (lower && c >= 'A' && c <= 'Z')
				c = static_cast<unsigned char>(c + ('a' - 'A'));
			if (plain_label_byte(c)) {
				out.push_back(static_cast<char>(c));
			} else if (c == '.' || c == '\\') {
				out.push_back('\\');
				out.push_back(static_cast<char>(c));
			} else {
				char buf[5] = {'\\', static_cast<char>('0' + c / 100),
				               static_cast<char>('0' + c / 10 % 10),
				               static_cast<char>('0' + c % 10), 0};
				out += buf;
			}
		}
	}
	return out;
}

Result<std::string> normalize_name(std::string_view text) {
	auto labels = split_name(text);
	if (!labels)
		return std::move(labels).error();
	return join_labels(*labels, true);
}

Result<std::vector<uint8_t>> encode_name(std::string_view text) {
	auto labels = split_name(text);
	if (!labels)
		return std::move(labels).error();
	std::vector<uint8_t> wire;
	for (const auto& l : *labels) {
		wire.push_back(static_cast<uint8_t>(l.size()));
		wire.insert(wire.end(), l.begin(), l.end());
	}
	wire.push_back(0);
	return wire;
}

} // namespace egress::dns
