#!/bin/bash
# Guest step: the verifier's cost of every program of the datapath on the running kernel, as the
# budget test measures and checks it (fails above a quarter of the 1M-instruction limit).
# Usage: verifier-figures.sh BUILD_DIR
set -euo pipefail
exec "${1:?build dir}/tests/bpf/datapath/datapath_bpf_test" \
	--gtest_filter='Loader.VerifiedInstructionsStayUnderAQuarterOfTheLimit'
