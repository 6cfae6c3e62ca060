// Makes dist/main.js executable (npm link / bin / docker use it directly).
import { chmodSync } from "node:fs";
chmodSync(new URL("../dist/main.js", import.meta.url), 0o755);
