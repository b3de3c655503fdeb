// The npm packages live in the build directory (npm-setup.sh installs them from package-lock.json
// there), not next to these sources, so they are loaded through a require() rooted at that
// directory: EGRESS_NPM_DIR, set by CMakeLists.txt for every test.
import { createRequire } from "node:module";
import path from "node:path";

const root = process.env.EGRESS_NPM_DIR;
if (!root)
	throw new Error("EGRESS_NPM_DIR is not set: run these tests through ctest (tests/unit/manifests/CMakeLists.txt)");

export const npmRoot = root;
export const requireDep = createRequire(path.join(root, "package.json"));
