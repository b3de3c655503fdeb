// Where deny-log lines go. The deny log's writer thread is the only caller of a sink, so sinks
// need no locking of their own (MemorySink excepted: others read it).
#pragma once

#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace egress::audit {

class LineSink {
public:
	virtual ~LineSink() = default;
	// One line without its newline. May buffer until flush().
	virtual Status write(std::string_view line) = 0;
	// Called after each batch of lines.
	virtual Status flush() { return ok_status(); }
	// Whether notice lines (format_notice_line: no deny) go here too; a sink that carries denies
	// only (the feed of `egressctl denies`) says no.
	virtual bool takes_notices() const { return true; }
};

// A stdio stream, normally stdout (where kubelet collects a container's log).
class StreamSink final : public LineSink {
public:
	explicit StreamSink(std::FILE* stream) : stream_(stream) {}
	Status write(std::string_view line) override;
	Status flush() override;

private:
	std::FILE* stream_;
};

// The last `capacity` lines in memory: for the control socket (`egressctl denies`) and tests.
class MemorySink final : public LineSink {
public:
	explicit MemorySink(size_t capacity) : capacity_(capacity) {}
	Status write(std::string_view line) override;
	std::vector<std::string> lines() const;

private:
	size_t capacity_;
	mutable std::mutex mu_;
	std::deque<std::string> lines_;
};

} // namespace egress::audit
