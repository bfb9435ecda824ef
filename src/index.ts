import { run } from "./main.ts";

// run() reports every failure itself (setFailed), so nothing is left to await here.
void run();
