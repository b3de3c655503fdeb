// Polls a condition the system reaches asynchronously (egressd following a pod, a heartbeat's
// repair): true as soon as it holds, false when it still does not after `timeout`.
#pragma once

#include <chrono>
#include <thread>

namespace egress::testlib {

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
	for (auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
		if (pred())
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	return pred();
}

} // namespace egress::testlib
