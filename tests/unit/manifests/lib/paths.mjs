// Where the repository under test is: EGRESS_SOURCE_DIR (set by CMakeLists.txt), else four levels
// up from this file. No npm packages needed.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const sourceDir = process.env.EGRESS_SOURCE_DIR ??
	path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
