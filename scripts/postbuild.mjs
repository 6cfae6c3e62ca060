// Makes the executables runnable (npm link / bin / docker use them directly).
import { chmodSync } from "node:fs";
chmodSync(new URL("../dist/main.js", import.meta.url), 0o755);
chmodSync(new URL("../dist/singer/main.js", import.meta.url), 0o755);
