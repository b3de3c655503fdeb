// Shared by the catalog tests: the embedded catalog, loaded once, and file helpers.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "catalog/catalog.h"

namespace egress::catalog::test {

inline const Catalog& embedded() {
	static const Catalog catalog = [] {
		auto c = Catalog::load_embedded();
		if (!c.ok())
			ADD_FAILURE() << c.error().to_string();
		return c.ok() ? std::move(c).value() : Catalog();
	}();
	return catalog;
}

inline bool read_file(const std::string& path, std::string& out) {
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return false;
	std::ostringstream s;
	s << in.rdbuf();
	out = s.str();
	return true;
}

inline const Entry& must_find(const Catalog& c, std::string_view id) {
	const Entry* e = c.find(id);
	if (!e) {
		ADD_FAILURE() << "missing catalog entry " << id;
		static const Entry empty;
		return empty;
	}
	return *e;
}

} // namespace egress::catalog::test
